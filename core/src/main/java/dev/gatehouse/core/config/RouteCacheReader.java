package dev.gatehouse.core.config;

import dev.gatehouse.core.cache.CachePolicy;

import java.time.Duration;

/** Reads a route's {@code cache}: freshness, stale windows and who shares an entry. */
final class RouteCacheReader {

    private RouteCacheReader() {
    }

    /** The route's cache, or null when it has none. */
    static RouteCacheConfig read(ConfigNode r) {
        if (!r.has("cache")) {
            return null;
        }
        ConfigNode n = r.child("cache");
        Duration ttl = n.duration("ttl", RouteCacheConfig.DEFAULT_TTL, Duration.ofSeconds(1), Duration.ofDays(1));
        Duration maxTtl = n.duration("maxTtl", RouteCacheConfig.DEFAULT_MAX_TTL, Duration.ofSeconds(1), Duration.ofDays(7));
        if (ttl.compareTo(maxTtl) > 0) {
            n.problem("ttl", "must not exceed maxTtl (" + ConfigNode.human(maxTtl) + ")");
            ttl = maxTtl;
        }
        boolean isPublic = n.bool("public", false);
        boolean perCaller = n.bool("perCaller", false);
        if (isPublic && perCaller) {
            n.problem("perCaller", "give public or perCaller, not both");
            perCaller = false;
        }
        Duration swr = n.duration("staleWhileRevalidate", Duration.ZERO, Duration.ZERO, Duration.ofDays(1));
        Duration sie = n.duration("staleIfError", Duration.ZERO, Duration.ZERO, Duration.ofDays(1));
        Duration longestDefault = swr.compareTo(sie) > 0 ? swr : sie;
        Duration maxStale = n.duration("maxStale", longestDefault, Duration.ZERO, Duration.ofDays(1));
        if (longestDefault.compareTo(maxStale) > 0) {
            n.problem("maxStale", "must be at least staleWhileRevalidate and staleIfError (" + ConfigNode.human(longestDefault) + ")");
            maxStale = longestDefault;
        }
        RouteCacheConfig config = new RouteCacheConfig(
                new CachePolicy(ttl, maxTtl, isPublic, perCaller, maxStale, swr, sie),
                n.bytes("maxEntryBytes", RouteCacheConfig.DEFAULT_MAX_ENTRY_BYTES, 1, 64L * 1024 * 1024));
        n.rejectUnknownKeys();
        return config;
    }
}
