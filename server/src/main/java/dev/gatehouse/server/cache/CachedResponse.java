package dev.gatehouse.server.cache;

import io.vertx.core.buffer.Buffer;

import java.util.List;
import java.util.Map;

/**
 * A stored answer: status, end-to-end headers, body, when it was stored and how long it is fresh.
 *
 * @param varyNames the request headers (lower case) this answer varies on
 * @param tags the answer's {@code Surrogate-Key} tags, for purging by tag
 */
record CachedResponse(int status, List<Map.Entry<String, String>> headers, Buffer body, long storedAtNanos,
                      long ttlNanos, List<String> varyNames, List<String> tags) {

    int weight() {
        int size = body.length() + 64;
        for (Map.Entry<String, String> h : headers) {
            size += h.getKey().length() + h.getValue().length() + 32;
        }
        return size;
    }

    /** Whole seconds since it was stored, for the {@code Age} header. */
    long ageSeconds(long nowNanos) {
        return Math.max(0, (nowNanos - storedAtNanos) / 1_000_000_000L);
    }

    boolean freshAt(long nowNanos) {
        return nowNanos - storedAtNanos < ttlNanos;
    }
}
