package dev.gatehouse.cache;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.slf4j.Logger;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The breaker every use of Redis passes: it opens when half of the last 10 calls failed (at least 5
 * seen), lets 2 trial calls through after 2 s, and logs each change of state once, naming the last
 * error. While it is open, callers skip Redis at once instead of waiting for a timeout.
 */
public final class RedisBreaker {
    private final CircuitBreaker breaker;
    private volatile String lastError = "none";

    /**
     * @param whenOpen logged when the breaker opens; {@code {}} stands for the last error
     * @param whenClosed logged when it closes again
     */
    public RedisBreaker(String name, Logger log, String whenOpen, String whenClosed) {
        this.breaker = CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                .failureRateThreshold(50)
                .minimumNumberOfCalls(5)
                .slidingWindow(10, 5, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .waitDurationInOpenState(Duration.ofSeconds(2))
                .permittedNumberOfCallsInHalfOpenState(2)
                .build());
        breaker.getEventPublisher().onStateTransition(e -> {
            switch (e.getStateTransition().getToState()) {
                case OPEN -> log.warn(whenOpen, lastError);
                case CLOSED -> log.info(whenClosed);
                default -> { }
            }
        });
    }

    /** Whether a call may go to Redis now. */
    public boolean tryAcquire() {
        return breaker.tryAcquirePermission();
    }

    public void succeeded(long startedNanos) {
        breaker.onSuccess(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
    }

    public void failed(long startedNanos, Throwable error) {
        lastError = error.getClass().getSimpleName() + ": " + error.getMessage();
        breaker.onError(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS, error);
    }

    /** False while the breaker is open. */
    public boolean available() {
        return breaker.getState() != CircuitBreaker.State.OPEN;
    }
}
