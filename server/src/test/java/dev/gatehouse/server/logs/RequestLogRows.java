package dev.gatehouse.server.logs;

import dev.gatehouse.core.stats.LatencyBuckets;
import dev.gatehouse.testkit.TestDatabase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** Rows and rollups written straight into a test's database, as the request-log writer would leave them. */
public final class RequestLogRows {
    private final TestDatabase database;
    private final AtomicLong seq = new AtomicLong();

    public RequestLogRows(TestDatabase database) {
        this.database = database;
    }

    /** A latency histogram over {@link LatencyBuckets} of these durations (µs). */
    public static long[] histogram(long... micros) {
        long[] histogram = new long[LatencyBuckets.COUNT];
        for (long m : micros) {
            histogram[LatencyBuckets.index(m)]++;
        }
        return histogram;
    }

    /** What a percentile read from rollups says for a request of {@code micros}: its bucket's bound, in ms. */
    public static double bucketMs(long micros) {
        return LatencyBuckets.upperMicros(LatencyBuckets.index(micros)) / 1000.0;
    }

    /** {@code count} requests of {@code micros} each, in one rollup row (100 bytes in and 1000 out each). */
    public void rollup(Instant minute, String route, int statusClass, String tier, int count, long micros, long limited, long cacheHits,
                       long cacheLookups) {
        long[] durations = new long[count];
        java.util.Arrays.fill(durations, micros);
        try (Connection c = database.connect();
             PreparedStatement s = c.prepareStatement("INSERT INTO request_rollups (minute, route, status_class, tier, requests, limited, "
                     + "cache_hits, cache_lookups, bytes_in, bytes_out, duration_us_sum, histogram) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setObject(1, at(minute));
            s.setString(2, route);
            s.setInt(3, statusClass);
            s.setString(4, tier);
            s.setLong(5, count);
            s.setLong(6, limited);
            s.setLong(7, cacheHits);
            s.setLong(8, cacheLookups);
            s.setLong(9, 100L * count);
            s.setLong(10, 1000L * count);
            s.setLong(11, micros * count);
            s.setArray(12, c.createArrayOf("bigint", java.util.Arrays.stream(histogram(durations)).boxed().toArray()));
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public void keyRollup(Instant minute, long keyId, long requests, long errors, long limited) {
        try (Connection c = database.connect();
             PreparedStatement s = c.prepareStatement("INSERT INTO request_rollups_keys (minute, key_id, requests, errors, limited) VALUES (?, ?, ?, ?, ?)")) {
            s.setObject(1, at(minute));
            s.setLong(2, keyId);
            s.setLong(3, requests);
            s.setLong(4, errors);
            s.setLong(5, limited);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One request's row: GET /{route}, from 127.0.0.1, by {@code key:<keyId>} when a key is given. */
    public void row(Instant time, String requestId, String route, int status, long micros, Long keyId, String tier, String cache) {
        try (Connection c = database.connect();
             PreparedStatement s = c.prepareStatement("INSERT INTO request_logs (time, request_id, node_id, seq, route, method, path, status, "
                     + "duration_us, upstream_us, bytes_in, bytes_out, client, subject, key_id, tier, cache, problem) "
                     + "VALUES (?, ?, 'test-node', ?, ?, 'GET', ?, ?, ?, ?, 0, 100, '127.0.0.1', ?, ?, ?, ?, ?)")) {
            s.setObject(1, at(time));
            s.setString(2, requestId);
            s.setLong(3, seq.incrementAndGet());
            s.setString(4, route);
            s.setString(5, "/" + route);
            s.setInt(6, status);
            s.setLong(7, micros);
            s.setLong(8, micros / 2);
            s.setString(9, keyId == null ? null : "key:" + keyId);
            s.setObject(10, keyId);
            s.setString(11, tier);
            s.setString(12, cache);
            s.setString(13, status == 429 ? "rate-limited" : null);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static OffsetDateTime at(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
