package dev.gatehouse.core.config;

import dev.gatehouse.core.cache.CachePolicy;

/**
 * A route's response cache.
 *
 * @param maxEntryBytes responses larger than this (or without a Content-Length) stream and are not stored
 */
public record RouteCacheConfig(CachePolicy policy, long maxEntryBytes) {
}
