package dev.gatehouse.server.logs;

import dev.gatehouse.core.stats.LatencyBuckets;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a batch adds to the per-minute rollups analytics read: per minute x route x status class x tier, and per
 * minute x API key for the batch's {@value #TOP_KEYS} busiest keys of each minute (the others together under key 0).
 * Written as increments, so two nodes writing the same minute add up; rows are upserted in one order everywhere,
 * so two writers never deadlock on each other's rows.
 */
final class Rollups {
    /** Keys kept apart per minute of a batch; the rest are summed under key 0. */
    static final int TOP_KEYS = 100;
    private static final long MINUTE_MICROS = 60_000_000L;

    private static final String UPSERT = """
            INSERT INTO request_rollups AS r (minute, route, status_class, tier, requests, limited, cache_hits, cache_lookups,
                                              bytes_in, bytes_out, duration_us_sum, histogram)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::bigint[])
            ON CONFLICT (minute, route, status_class, tier) DO UPDATE SET
                requests = r.requests + excluded.requests, limited = r.limited + excluded.limited,
                cache_hits = r.cache_hits + excluded.cache_hits, cache_lookups = r.cache_lookups + excluded.cache_lookups,
                bytes_in = r.bytes_in + excluded.bytes_in, bytes_out = r.bytes_out + excluded.bytes_out,
                duration_us_sum = r.duration_us_sum + excluded.duration_us_sum,
                histogram = gatehouse_add_buckets(r.histogram, excluded.histogram)""";
    private static final String UPSERT_KEYS = """
            INSERT INTO request_rollups_keys AS k (minute, key_id, requests, errors, limited) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (minute, key_id) DO UPDATE SET
                requests = k.requests + excluded.requests, errors = k.errors + excluded.errors, limited = k.limited + excluded.limited""";

    record Key(long minuteMicros, String route, int statusClass, String tier) {
        static final Comparator<Key> ORDER = Comparator.comparingLong(Key::minuteMicros).thenComparing(Key::route)
                .thenComparingInt(Key::statusClass).thenComparing(Key::tier);
    }

    /** One rollup row's increments. */
    static final class Sums {
        long requests;
        long limited;
        long cacheHits;
        long cacheLookups;
        long bytesIn;
        long bytesOut;
        long durationSum;
        final long[] histogram = new long[LatencyBuckets.COUNT];
    }

    /** One API key's increments in one minute. */
    static final class KeySums {
        long requests;
        long errors;
        long limited;

        void add(KeySums other) {
            requests += other.requests;
            errors += other.errors;
            limited += other.limited;
        }
    }

    private final Map<Key, Sums> rows = new TreeMap<>(Key.ORDER);
    /** minute → key id → sums, before the top keys are picked. */
    private final Map<Long, Map<Long, KeySums>> keys = new TreeMap<>();

    /** The increments of {@code rows}. */
    static Rollups of(List<RequestLogRow> rows) {
        Rollups rollups = new Rollups();
        rows.forEach(rollups::add);
        return rollups;
    }

    private void add(RequestLogRow row) {
        long minute = Math.floorDiv(row.timeMicros(), MINUTE_MICROS) * MINUTE_MICROS;
        int statusClass = Math.max(1, Math.min(5, row.status() / 100));
        Sums sums = rows.computeIfAbsent(new Key(minute, row.route(), statusClass, row.tier() == null ? "" : row.tier()), k -> new Sums());
        sums.requests++;
        if (row.status() == 429) {
            sums.limited++;
        }
        if (row.cache() != null) {
            sums.cacheLookups++;
            if (!row.cache().equals("MISS")) { // HIT-L1, HIT-L2 or STALE
                sums.cacheHits++;
            }
        }
        sums.bytesIn += row.bytesIn();
        sums.bytesOut += row.bytesOut();
        sums.durationSum += row.durationMicros();
        sums.histogram[LatencyBuckets.index(row.durationMicros())]++;
        if (row.keyId() != null) {
            KeySums key = keys.computeIfAbsent(minute, m -> new HashMap<>()).computeIfAbsent(row.keyId(), k -> new KeySums());
            key.requests++;
            if (row.status() >= 500) {
                key.errors++;
            }
            if (row.status() == 429) {
                key.limited++;
            }
        }
    }

    Map<Key, Sums> rows() {
        return rows;
    }

    /** Per minute, the busiest {@value #TOP_KEYS} keys by requests (ties by id) and, under key 0, the rest summed. */
    Map<Long, Map<Long, KeySums>> topKeys() {
        Map<Long, Map<Long, KeySums>> top = new TreeMap<>();
        keys.forEach((minute, byKey) -> {
            List<Map.Entry<Long, KeySums>> ranked = new ArrayList<>(byKey.entrySet());
            ranked.sort(Comparator.comparingLong((Map.Entry<Long, KeySums> e) -> -e.getValue().requests).thenComparing(Map.Entry::getKey));
            Map<Long, KeySums> kept = new TreeMap<>();
            for (int i = 0; i < ranked.size(); i++) {
                Map.Entry<Long, KeySums> entry = ranked.get(i);
                if (i < TOP_KEYS) {
                    kept.merge(entry.getKey(), entry.getValue(), (a, b) -> {
                        a.add(b);
                        return a;
                    });
                } else {
                    kept.computeIfAbsent(0L, k -> new KeySums()).add(entry.getValue());
                }
            }
            top.put(minute, kept);
        });
        return top;
    }

    /** Adds these increments into the rollup tables, in the caller's transaction. */
    void write(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(UPSERT)) {
            for (Map.Entry<Key, Sums> row : rows.entrySet()) {
                Key key = row.getKey();
                Sums sums = row.getValue();
                s.setObject(1, minute(key.minuteMicros()));
                s.setString(2, key.route());
                s.setShort(3, (short) key.statusClass());
                s.setString(4, key.tier());
                s.setLong(5, sums.requests);
                s.setLong(6, sums.limited);
                s.setLong(7, sums.cacheHits);
                s.setLong(8, sums.cacheLookups);
                s.setLong(9, sums.bytesIn);
                s.setLong(10, sums.bytesOut);
                s.setLong(11, sums.durationSum);
                s.setString(12, arrayLiteral(sums.histogram));
                s.addBatch();
            }
            s.executeBatch();
        }
        Map<Long, Map<Long, KeySums>> top = topKeys();
        if (top.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement(UPSERT_KEYS)) {
            for (Map.Entry<Long, Map<Long, KeySums>> minute : top.entrySet()) {
                for (Map.Entry<Long, KeySums> key : minute.getValue().entrySet()) {
                    s.setObject(1, minute(minute.getKey()));
                    s.setLong(2, key.getKey());
                    s.setLong(3, key.getValue().requests);
                    s.setLong(4, key.getValue().errors);
                    s.setLong(5, key.getValue().limited);
                    s.addBatch();
                }
            }
            s.executeBatch();
        }
    }

    private static OffsetDateTime minute(long micros) {
        return OffsetDateTime.ofInstant(Instant.ofEpochSecond(micros / 1_000_000L), ZoneOffset.UTC);
    }

    /** {@code {3,0,1}}: the counts up to the last non-empty bucket (histograms of different lengths add up). */
    static String arrayLiteral(long[] histogram) {
        int last = histogram.length - 1;
        while (last > 0 && histogram[last] == 0) {
            last--;
        }
        StringBuilder literal = new StringBuilder(4 * (last + 1)).append('{');
        for (int i = 0; i <= last; i++) {
            if (i > 0) {
                literal.append(',');
            }
            literal.append(histogram[i]);
        }
        return literal.append('}').toString();
    }
}
