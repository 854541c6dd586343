package dev.gatehouse.core.config;

import java.time.Duration;

/** Reads {@code cache}: the node's response cache that routes with {@code cache} share. */
final class CacheReader {

    private CacheReader() {
    }

    static CacheConfig read(ConfigNode n) {
        CacheConfig config = new CacheConfig(n.bytes("maxBytes", CacheConfig.DEFAULT_MAX_BYTES, 1024 * 1024, 1L << 40),
                n.duration("l1Ttl", CacheConfig.DEFAULT_L1_TTL, Duration.ofMillis(100), Duration.ofHours(1)),
                n.bool("redis", CacheConfig.DEFAULT_REDIS));
        n.rejectUnknownKeys();
        return config;
    }
}
