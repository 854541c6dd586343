package dev.gatehouse.core.ratelimit;

import java.time.Duration;

/** How much a subject may spend per window, e.g. 100 requests per minute. */
public record RateLimit(long limit, Duration window) {

    public RateLimit {
        if (limit < 1) {
            throw new IllegalArgumentException("a rate limit must allow at least 1 per window, got " + limit);
        }
        if (window.toMillis() < 1) {
            throw new IllegalArgumentException("a rate-limit window must be at least 1 ms, got " + window);
        }
    }

    public static RateLimit perSecond(long limit) {
        return new RateLimit(limit, Duration.ofSeconds(1));
    }

    public static RateLimit perMinute(long limit) {
        return new RateLimit(limit, Duration.ofMinutes(1));
    }

    public long windowMicros() {
        return window.toNanos() / 1000;
    }

    /** As the IETF RateLimit-Policy field writes it: {@code 100;w=60}. */
    public String policy() {
        return limit + ";w=" + Math.max(1, window.toSeconds());
    }
}
