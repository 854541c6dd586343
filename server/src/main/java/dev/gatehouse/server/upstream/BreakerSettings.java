package dev.gatehouse.server.upstream;

import dev.gatehouse.core.config.BreakerConfig;
import dev.gatehouse.core.time.Ticker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;

/** A pool's {@code breaker} settings as Resilience4j takes them, its time read from the node's ticker: for targets and job workers alike. */
public final class BreakerSettings {

    private BreakerSettings() {
    }

    public static CircuitBreakerConfig of(BreakerConfig c, Ticker ticker) {
        return CircuitBreakerConfig.custom()
                .failureRateThreshold(c.failureRateThreshold())
                .slowCallRateThreshold(c.slowCallRateThreshold())
                .slowCallDurationThreshold(c.slowCallDuration())
                .minimumNumberOfCalls(c.minimumCalls())
                .slidingWindow(c.window(), c.minimumCalls(), CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .waitDurationInOpenState(c.openWait())
                .permittedNumberOfCallsInHalfOpenState(c.halfOpenCalls())
                .clock(new TickerClock(ticker))
                .currentTimestampFunction(clock -> ticker.read(), TimeUnit.NANOSECONDS)
                .build();
    }

    /** A {@link Clock} over the injected ticker, so the breaker's open wait follows the same time as everything else. */
    private static final class TickerClock extends Clock {
        private final Ticker ticker;

        TickerClock(Ticker ticker) {
            this.ticker = ticker;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.EPOCH.plusNanos(ticker.read());
        }
    }
}
