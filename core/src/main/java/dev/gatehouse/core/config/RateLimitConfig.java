package dev.gatehouse.core.config;

import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.RateLimit;

import java.time.Duration;
import java.util.List;

/**
 * A route's rate limit.
 *
 * @param limits windows that must allow a request (e.g. 10/s and 100/min), on top of the tier's when {@code tiers}
 * @param tiers whether the caller's tier limits (or its key's override) apply
 * @param mode {@code exact} (every decision in Redis), {@code leased} (a node takes requests from Redis a
 *             batch at a time and spends them in process) or {@code local} (this node only)
 * @param onRedisFailure {@code open}: fall back to a local limiter at limit ÷ expectedNodes; {@code closed}: 503
 * @param expectedNodes how many nodes share the limit, for the fail-open fallback and the default lease size
 * @param leaseSize in {@code leased} mode, the requests a node takes from Redis at once (0: sized from the limit)
 * @param leaseTtl in {@code leased} mode, how long a node may spend a lease; what is left then is not used
 */
public record RateLimitConfig(Algorithm algorithm, List<RateLimit> limits, boolean tiers, Mode mode, OnRedisFailure onRedisFailure,
                              int expectedNodes, long cost, int leaseSize, Duration leaseTtl) {

    /** Where a route's decisions are made. */
    public enum Mode implements Spelled {
        /** Every decision in Redis. */
        EXACT,
        /** A node takes requests from Redis a batch at a time and spends them in process. */
        LEASED,
        /** This node only. */
        LOCAL;

        @Override
        public String toString() {
            return configName();
        }
    }

    /** What a route does while Redis cannot decide. */
    public enum OnRedisFailure implements Spelled {
        /** Fall back to a local limiter at limit ÷ expectedNodes. */
        OPEN,
        /** Answer 503. */
        CLOSED;

        @Override
        public String toString() {
            return configName();
        }
    }

    public static final Algorithm DEFAULT_ALGORITHM = Algorithm.GCRA;
    public static final OnRedisFailure DEFAULT_ON_REDIS_FAILURE = OnRedisFailure.OPEN;
    public static final int DEFAULT_EXPECTED_NODES = 1;
    public static final int DEFAULT_COST = 1;
    /** Leases sized from the limit (see {@link #leaseFor}). */
    public static final int DEFAULT_LEASE_SIZE = 0;
    public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(1);

    /** The most requests one lease may take. */
    public static final int MAX_LEASE = 10_000;

    public RateLimitConfig {
        Require.notNull("algorithm", algorithm);
        limits = Require.list("limits", limits);
        if (limits.isEmpty() && !tiers) {
            throw new IllegalArgumentException("limits must not be empty without tiers: the route would have no limit");
        }
        Require.notNull("mode", mode);
        Require.notNull("onRedisFailure", onRedisFailure);
        Require.atLeast("expectedNodes", expectedNodes, 1);
        Require.atLeast("cost", cost, 1);
        Require.between("leaseSize", leaseSize, 0, MAX_LEASE);
        Require.positive("leaseTtl", leaseTtl);
    }

    /** The mode of a route that names none: exact where nodes can share a count in Redis; else each node counts for itself. */
    public static Mode defaultMode(boolean redis) {
        return redis ? Mode.EXACT : Mode.LOCAL;
    }

    public boolean exact() {
        return mode == Mode.EXACT;
    }

    public boolean leased() {
        return mode == Mode.LEASED;
    }

    /**
     * How many requests a lease takes for these windows: {@code leaseSize} when set, else a twentieth of
     * the requests the smallest limit allows each node (limit ÷ cost ÷ expectedNodes), at most 1 000 and at
     * least 1 (where that is 1, every request is decided by Redis, as in {@code exact}).
     */
    public int leaseFor(List<RateLimit> windows) {
        if (leaseSize > 0) {
            return leaseSize;
        }
        long smallest = Long.MAX_VALUE;
        for (RateLimit window : windows) {
            smallest = Math.min(smallest, window.limit());
        }
        return (int) Math.max(1, Math.min(1_000, smallest / cost / expectedNodes / 20));
    }

    /**
     * The first of {@code windows} whose limit is below this route's cost, or null: a caller held to it
     * can never pass, however long it waits (a tier or key override edited below a route's cost).
     */
    public RateLimit belowCost(List<RateLimit> windows) {
        for (RateLimit window : windows) {
            if (window.limit() < cost) {
                return window;
            }
        }
        return null;
    }

    public boolean failOpen() {
        return onRedisFailure == OnRedisFailure.OPEN;
    }
}
