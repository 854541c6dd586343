package dev.gatehouse.server.ratelimit;

import dev.gatehouse.redis.RedisGuard;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** How well a node batches its Redis rate-limit calls: the calls, the decisions each carries, those in flight. */
final class LimiterMeters {
    private final Counter calls;
    private final DistributionSummary batches;

    /** @param guard whose calls in flight are the store's */
    LimiterMeters(MeterRegistry meters, RedisGuard guard, int maxBatch) {
        this.calls = Counter.builder("gatehouse.ratelimit.redis.calls")
                .description("Rate-limit script calls sent to Redis (each decides a batch)").register(meters);
        this.batches = DistributionSummary.builder("gatehouse.ratelimit.redis.batch")
                .description("Decisions carried by one rate-limit script call (at most " + maxBatch + ")").register(meters);
        Gauge.builder("gatehouse.ratelimit.redis.in.flight", guard, RedisGuard::inFlight)
                .description("Rate-limit script calls sent and not yet answered (each bounded by redis.timeout)").register(meters);
    }

    /** A script call is sent; {@code decisions} it carries are recorded as its batch size when above 0 (a lease's call is not a batch). */
    void sent(int decisions) {
        calls.increment();
        if (decisions > 0) {
            batches.record(decisions);
        }
    }
}
