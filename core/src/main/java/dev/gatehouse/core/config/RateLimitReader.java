package dev.gatehouse.core.config;

import dev.gatehouse.core.config.RateLimitConfig.Mode;
import dev.gatehouse.core.config.RateLimitConfig.OnRedisFailure;
import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.RateLimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads a route's {@code rateLimit}: its windows, algorithm, mode and what to do when Redis fails. */
final class RateLimitReader {

    private RateLimitReader() {
    }

    /** The route's rate limit, or null when it has none or has a problem (recorded under its key). */
    static RateLimitConfig read(ConfigNode r, RedisConfig redis) {
        if (!r.has("rateLimit")) {
            return null;
        }
        int problems = r.problems().size();
        ConfigNode n = r.child("rateLimit");
        Algorithm algorithm = n.oneOf("algorithm", RateLimitConfig.DEFAULT_ALGORITHM, Algorithm::configName,
                List.of(Algorithm.GCRA, Algorithm.TOKEN_BUCKET, Algorithm.FIXED_WINDOW, Algorithm.SLIDING_LOG, Algorithm.SLIDING_COUNTER));
        List<RateLimit> limits = new ArrayList<>();
        for (String text : n.strings("limits")) {
            try {
                limits.add(RateLimit.parse(text));
            } catch (IllegalArgumentException e) {
                n.problem("limits", e.getMessage());
            }
        }
        try {
            RateLimit.oneRatePerWindow(limits);
        } catch (IllegalArgumentException e) {
            n.problem("limits", e.getMessage());
        }
        boolean tiers = n.bool("tiers", limits.isEmpty());
        if (limits.isEmpty() && !tiers && n.problems().stream().noneMatch(p -> p.key().equals(n.key("limits")))) {
            n.problem("limits", "needs at least one rate, e.g. limits: [100/min], or tiers: true");
        }
        Mode mode = n.oneOf("mode", RateLimitConfig.defaultMode(redis.enabled()), Mode::configName, List.of(Mode.values()));
        if (mode != Mode.LOCAL && !redis.enabled()) {
            n.problem("mode", mode + " needs Redis (redis.url); use local for a single node");
        }
        if (mode != Mode.LEASED) {
            for (String leaseKey : List.of("leaseSize", "leaseTtl")) {
                if (n.has(leaseKey)) {
                    n.problem(leaseKey, "applies to mode: leased only (this route's mode is " + mode + ")");
                }
            }
        }
        OnRedisFailure onRedisFailure = n.oneOf("onRedisFailure", RateLimitConfig.DEFAULT_ON_REDIS_FAILURE,
                OnRedisFailure::configName, List.of(OnRedisFailure.values()));
        int expectedNodes = n.integer("expectedNodes", RateLimitConfig.DEFAULT_EXPECTED_NODES, 1, 10_000);
        int cost = n.integer("cost", RateLimitConfig.DEFAULT_COST, 1, 1_000_000);
        int leaseSize = n.integer("leaseSize", RateLimitConfig.DEFAULT_LEASE_SIZE, 1, RateLimitConfig.MAX_LEASE);
        Duration leaseTtl = n.duration("leaseTtl", RateLimitConfig.DEFAULT_LEASE_TTL, Duration.ofMillis(10), Duration.ofMinutes(10));
        for (RateLimit limit : limits) {
            if (algorithm == Algorithm.SLIDING_LOG && limit.limit() > Algorithm.MAX_SLIDING_LOG_LIMIT) {
                n.problem("limits", "'" + limit.text() + "' is more than a sliding log keeps (an entry per request, at most "
                        + Algorithm.MAX_SLIDING_LOG_LIMIT + " per window); use sliding-counter or gcra for larger limits");
            }
            if (cost > limit.limit()) {
                n.problem("cost", "is " + cost + ", more than the limit " + limit.limit() + ": no request could ever pass");
            }
        }
        n.rejectUnknownKeys();
        return n.problems().size() > problems ? null
                : new RateLimitConfig(algorithm, limits, tiers, mode, onRedisFailure, expectedNodes, cost, leaseSize, leaseTtl);
    }
}
