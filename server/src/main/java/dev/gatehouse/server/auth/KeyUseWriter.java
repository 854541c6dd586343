package dev.gatehouse.server.auth;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * API keys' {@code last_used_at}: uses are noted on the request path and written to PostgreSQL in one batch
 * every 10 seconds, never once per request. At most one note per key waits at a time (the latest), so the
 * batch is bounded by the number of keys in use.
 */
final class KeyUseWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KeyUseWriter.class);
    private static final long FLUSH_MILLIS = 10_000;

    private final Vertx vertx;
    private final KeyStore keys;
    private final Map<Long, Instant> used = new ConcurrentHashMap<>();
    private long timer = -1;

    KeyUseWriter(Vertx vertx, KeyStore keys) {
        this.vertx = vertx;
        this.keys = keys;
    }

    /** Writes the uses noted so far every 10 seconds, until {@link #close}. */
    synchronized void start() {
        if (timer >= 0) {
            throw new IllegalStateException("already started");
        }
        timer = vertx.setPeriodic(FLUSH_MILLIS, id -> flush());
    }

    /** Notes that a key was used at {@code millis} (epoch ms). */
    void note(long keyId, long millis) {
        used.put(keyId, Instant.ofEpochMilli(millis));
    }

    private void flush() {
        Map<Long, Instant> batch = takeBatch();
        if (batch.isEmpty()) {
            return;
        }
        vertx.executeBlocking(() -> {
            keys.markUsed(batch);
            return null;
        }, false).onFailure(e -> log.warn("could not record key use: {}", e.getMessage()));
    }

    private Map<Long, Instant> takeBatch() {
        if (used.isEmpty()) {
            return Map.of();
        }
        Map<Long, Instant> batch = new HashMap<>(used);
        batch.forEach(used::remove); // remove(key, value): a use recorded meanwhile stays for the next flush
        return batch;
    }

    /**
     * Stops the timer and writes what was noted since the last batch. Blocking: the last batch is written on
     * the calling thread, so it is in before the node closes its storage.
     */
    @Override
    public synchronized void close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
        Map<Long, Instant> batch = takeBatch();
        if (!batch.isEmpty()) {
            try {
                keys.markUsed(batch);
            } catch (SQLException | RuntimeException e) {
                log.warn("could not record key use: {}", e.getMessage());
            }
        }
    }
}
