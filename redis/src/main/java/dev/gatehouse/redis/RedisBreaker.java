package dev.gatehouse.redis;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.slf4j.Logger;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The breaker a use of Redis passes (the cache level and the rate limiters have one each): it opens when
 * half of the last 10 calls failed (at least 5 seen), lets 2 trial calls through after 2 s, and logs each
 * change of state once, naming the last error. While it is open, callers skip Redis at once instead of
 * waiting for a timeout.
 */
public final class RedisBreaker {
    private final CircuitBreaker breaker;
    private final Logger log;
    private final String whenOpen;
    private final String whenClosed;
    /** The state last logged. Read after every call, written only on a change. */
    private final AtomicReference<CircuitBreaker.State> seen = new AtomicReference<>(CircuitBreaker.State.CLOSED);
    private volatile String lastError = "none";
    private final LongSupplier nanoTime;

    /**
     * @param whenOpen logged when the breaker opens; {@code {}} stands for the last error
     * @param whenClosed logged when it closes again
     */
    public RedisBreaker(String name, Logger log, String whenOpen, String whenClosed) {
        this(name, log, whenOpen, whenClosed, System::nanoTime);
    }

    /** @param nanoTime the node's monotonic clock: call durations and the open wait are measured by it */
    public RedisBreaker(String name, Logger log, String whenOpen, String whenClosed, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.breaker = CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                .failureRateThreshold(50)
                .minimumNumberOfCalls(5)
                .slidingWindow(10, 5, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .waitDurationInOpenState(Duration.ofSeconds(2))
                .permittedNumberOfCallsInHalfOpenState(2)
                .clock(new NanoClock(nanoTime))
                .currentTimestampFunction(clock -> nanoTime.getAsLong(), TimeUnit.NANOSECONDS)
                .build());
        this.log = log;
        this.whenOpen = whenOpen;
        this.whenClosed = whenClosed;
        // no event consumer: with one, the breaker builds and dispatches an event for every call recorded
    }

    /** Whether a call may go to Redis now. */
    public boolean tryAcquire() {
        return breaker.tryAcquirePermission();
    }

    /**
     * For a caller whose work joins calls that {@link #tryAcquire} one by one (a batch): false while the
     * breaker is open. Once the open wait is over it lets the breaker move to half-open, without spending
     * one of its trial calls.
     */
    public boolean admits() {
        if (breaker.getState() != CircuitBreaker.State.OPEN) {
            return true;
        }
        if (breaker.tryAcquirePermission()) {
            breaker.releasePermission();
            return true;
        }
        return false;
    }

    /** Now, by the monotonic clock calls are measured with. */
    public long nanoTime() {
        return nanoTime.getAsLong();
    }

    /** A call admitted by {@link #tryAcquire} at {@code startedNanos} ({@link #nanoTime}) was answered. */
    public void succeeded(long startedNanos) {
        breaker.onSuccess(nanoTime.getAsLong() - startedNanos, TimeUnit.NANOSECONDS);
        noticeChange();
    }

    /** A call admitted by {@link #tryAcquire} at {@code startedNanos} failed with {@code error} (named when the breaker opens). */
    public void failed(long startedNanos, Throwable error) {
        lastError = error.getClass().getSimpleName() + ": " + error.getMessage();
        breaker.onError(nanoTime.getAsLong() - startedNanos, TimeUnit.NANOSECONDS, error);
        noticeChange();
    }

    /** Logs opening and closing once each; both happen only in recording a call, so this sees every one. */
    private void noticeChange() {
        CircuitBreaker.State now = breaker.getState();
        CircuitBreaker.State before = seen.get();
        if (now == before || (now != CircuitBreaker.State.OPEN && now != CircuitBreaker.State.CLOSED) || !seen.compareAndSet(before, now)) {
            return;
        }
        if (now == CircuitBreaker.State.OPEN) {
            log.warn(whenOpen, lastError);
        } else {
            log.info(whenClosed);
        }
    }

    /** False while the breaker is open. */
    public boolean available() {
        return breaker.getState() != CircuitBreaker.State.OPEN;
    }

    /** A {@link java.time.Clock} over the monotonic clock, for the breaker's open wait. */
    private static final class NanoClock extends java.time.Clock {
        private final LongSupplier nanoTime;

        NanoClock(LongSupplier nanoTime) {
            this.nanoTime = nanoTime;
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return java.time.Instant.EPOCH.plusNanos(nanoTime.getAsLong());
        }
    }
}
