package dev.gatehouse.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Response;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Calls to Redis through a {@link RedisBreaker} and under a timeout, so that no caller waits on a dead
 * or slow Redis: refused at once while the breaker is open, bounded in time, and each told to the breaker
 * as one outcome however many commands or decisions it carries.
 */
public final class RedisGuard {
    private final RedisBreaker breaker;
    private final long timeoutMillis;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** @param timeout the longest a call may take; past it, the call fails with a {@link java.util.concurrent.TimeoutException} */
    public RedisGuard(RedisBreaker breaker, Duration timeout) {
        this.breaker = breaker;
        this.timeoutMillis = timeout.toMillis();
    }

    public RedisBreaker breaker() {
        return breaker;
    }

    /** Calls sent and neither answered nor timed out yet. */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * One guarded call: {@code send} starts it (it may send more than one command, e.g. a script retried
     * by its source) and {@code read} reads its reply. While the breaker is open, {@code send} is not
     * called and the answer is {@code whenOpen}'s. The call fails when Redis fails, when no reply comes in
     * time ({@link java.util.concurrent.TimeoutException}) or when {@code read} throws; each of those is a
     * failure for the breaker.
     */
    public <T> Future<T> call(Supplier<Future<Response>> send, Function<Response, T> read, Supplier<Future<T>> whenOpen) {
        if (!breaker.tryAcquire()) {
            return whenOpen.get();
        }
        inFlight.incrementAndGet();
        long started = breaker.nanoTime();
        return send.get().timeout(timeoutMillis, TimeUnit.MILLISECONDS).transform(result -> {
            inFlight.decrementAndGet();
            if (result.failed()) {
                breaker.failed(started, result.cause());
                return Future.failedFuture(result.cause());
            }
            T value;
            try {
                value = read.apply(result.result());
            } catch (RuntimeException e) {
                breaker.failed(started, e);
                return Future.failedFuture(e);
            }
            breaker.succeeded(started);
            return Future.succeededFuture(value);
        });
    }
}
