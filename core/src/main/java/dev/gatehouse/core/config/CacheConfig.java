package dev.gatehouse.core.config;

import java.time.Duration;

/**
 * The node's response cache.
 *
 * @param maxBytes total bytes of stored bodies and headers held in process (L1)
 * @param l1Ttl the longest an entry lives in process when Redis holds it too; without Redis, entries
 *              live in process for their whole lifetime
 * @param redis whether the cache keeps a shared level (L2) in Redis when {@code redis.url} is set
 */
public record CacheConfig(long maxBytes, Duration l1Ttl, boolean redis) {

    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;
    public static final Duration DEFAULT_L1_TTL = Duration.ofSeconds(5);
    public static final boolean DEFAULT_REDIS = true;

    public CacheConfig {
        Require.atLeast("maxBytes", maxBytes, 1);
        Require.positive("l1Ttl", l1Ttl);
    }
}
