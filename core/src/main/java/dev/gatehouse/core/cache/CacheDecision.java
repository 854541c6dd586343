package dev.gatehouse.core.cache;

import java.time.Duration;

/**
 * Whether a response may be stored by the shared cache, and for how long it is fresh and may then be
 * served stale. A refusal carries the reason (for logs and the {@code X-Cache} debugging header).
 */
public record CacheDecision(boolean store, Duration ttl, Duration staleWhileRevalidate, Duration staleIfError, String reason) {

    static CacheDecision refuse(String reason) {
        return new CacheDecision(false, Duration.ZERO, Duration.ZERO, Duration.ZERO, reason);
    }
}
