package dev.gatehouse.server.ratelimit;

import dev.gatehouse.core.time.ManualTicker;
import dev.gatehouse.core.config.RateLimitConfig;
import dev.gatehouse.core.config.RedisConfig;
import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.Decision;
import dev.gatehouse.core.ratelimit.RateLimit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The node's limiters on a node without Redis: what a route's algorithm becomes for the windows a request brings. */
class RateLimitersTest {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final RateLimiters limiters = new RateLimiters(null, new RedisConfig(null, Duration.ofMillis(100), 1, "gh:"), meters, new ManualTicker());

    static RateLimitConfig slidingLog() {
        return new RateLimitConfig(Algorithm.SLIDING_LOG, List.of(RateLimit.perMinute(5)), true, RateLimitConfig.Mode.LOCAL, RateLimitConfig.OnRedisFailure.OPEN, 1, 1, 0, Duration.ofSeconds(1));
    }

    Decision decide(String subject, List<RateLimit> windows) {
        return limiters.decide("logged", slidingLog(), subject, windows).result();
    }

    double substituted() {
        return meters.get("gatehouse.ratelimit.algorithm.substituted").counter().count();
    }

    @Test
    void aSlidingLogRouteKeepsItsLogForWindowsItCanHold() {
        for (int i = 0; i < 5; i++) {
            assertThat(decide("small", List.of(RateLimit.perMinute(5))).allowed()).isTrue();
        }
        assertThat(decide("small", List.of(RateLimit.perMinute(5))).allowed()).isFalse();
        assertThat(substituted()).isZero();
    }

    @Test
    void aTierOrOverrideTooLargeForALogIsDecidedByTheSlidingCounterAndCounted() {
        // an enterprise tier on a sliding-log route: a log would keep 100 000 entries for this one subject
        List<RateLimit> enterprise = List.of(RateLimit.perMinute(100_000));
        Decision first = decide("big", enterprise);
        assertThat(first.allowed()).isTrue();
        assertThat(first.limit()).isEqualTo(100_000);
        assertThat(first.remaining()).isEqualTo(99_999);
        Decision all = limiters.decide("logged", slidingLog(), "big", enterprise).result();
        assertThat(all.remaining()).isEqualTo(99_998);
        assertThat(substituted()).isEqualTo(2);
        assertThat(Algorithm.SLIDING_LOG.forWindows(enterprise)).isEqualTo(Algorithm.SLIDING_COUNTER);
        assertThat(Algorithm.SLIDING_LOG.forWindows(List.of(RateLimit.perSecond(10), RateLimit.perMinute(10_000)))).isEqualTo(Algorithm.SLIDING_LOG);
        assertThat(Algorithm.GCRA.forWindows(enterprise)).isEqualTo(Algorithm.GCRA);
    }
}
