package dev.gatehouse.core.config;

import java.time.Duration;

/**
 * The node's in-process (L1) response cache.
 *
 * @param maxBytes total bytes of stored bodies and headers
 * @param l1Ttl the longest an entry lives in process, whatever its freshness
 */
public record CacheConfig(long maxBytes, Duration l1Ttl) {
}
