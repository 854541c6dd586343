package dev.gatehouse.core.config;

import dev.gatehouse.core.cache.CachePolicy;

import java.time.Duration;

/**
 * A route's response cache.
 *
 * @param maxEntryBytes responses larger than this (or without a Content-Length) stream and are not stored
 */
public record RouteCacheConfig(CachePolicy policy, long maxEntryBytes) {

    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    public static final Duration DEFAULT_MAX_TTL = Duration.ofHours(1);
    public static final long DEFAULT_MAX_ENTRY_BYTES = 1024 * 1024;

    public RouteCacheConfig {
        Require.notNull("policy", policy);
        if (policy.publicContent() && policy.perCaller()) {
            throw new IllegalArgumentException("policy must be public or perCaller, not both");
        }
        Require.atLeast("maxEntryBytes", maxEntryBytes, 1);
    }
}
