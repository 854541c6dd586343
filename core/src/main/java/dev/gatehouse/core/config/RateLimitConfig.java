package dev.gatehouse.core.config;

import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.RateLimit;

import java.util.List;

/**
 * A route's rate limit.
 *
 * @param limits windows that must allow a request (e.g. 10/s and 100/min), on top of the tier's when {@code tiers}
 * @param tiers whether the caller's tier limits (or its key's override) apply
 * @param mode {@code exact} (every decision in Redis) or {@code local} (this node only)
 * @param onRedisFailure {@code open}: fall back to a local limiter at limit ÷ expectedNodes; {@code closed}: 503
 * @param expectedNodes how many nodes share the limit, for the fail-open fallback
 */
public record RateLimitConfig(Algorithm algorithm, List<RateLimit> limits, boolean tiers, String mode, String onRedisFailure,
                              int expectedNodes, long cost) {

    public RateLimitConfig {
        limits = List.copyOf(limits);
    }

    public boolean exact() {
        return mode.equals("exact");
    }

    public boolean failOpen() {
        return onRedisFailure.equals("open");
    }
}
