package dev.gatehouse.server.logs;

import dev.gatehouse.core.stats.LatencyBuckets;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
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

    // one statement per table, its rows in the arrays' order (which is Key.ORDER): a round trip, not one per row
    private static final String UPSERT = """
            INSERT INTO request_rollups AS r (minute, route, status_class, tier, requests, limited, cache_hits, cache_lookups,
                                              bytes_in, bytes_out, duration_us_sum, histogram)
            SELECT to_timestamp(m), rt, sc, t, rq, li, ch, cl, bi, bo, ds, h::bigint[]
            FROM unnest(?::bigint[], ?::text[], ?::smallint[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],
                        ?::bigint[], ?::bigint[], ?::bigint[], ?::text[]) WITH ORDINALITY AS u(m, rt, sc, t, rq, li, ch, cl, bi, bo, ds, h, n)
            ORDER BY n
            ON CONFLICT (minute, route, status_class, tier) DO UPDATE SET
                requests = r.requests + excluded.requests, limited = r.limited + excluded.limited,
                cache_hits = r.cache_hits + excluded.cache_hits, cache_lookups = r.cache_lookups + excluded.cache_lookups,
                bytes_in = r.bytes_in + excluded.bytes_in, bytes_out = r.bytes_out + excluded.bytes_out,
                duration_us_sum = r.duration_us_sum + excluded.duration_us_sum,
                histogram = gatehouse_add_buckets(r.histogram, excluded.histogram)""";
    private static final String UPSERT_KEYS = """
            INSERT INTO request_rollups_keys AS k (minute, key_id, requests, errors, limited)
            SELECT to_timestamp(m), id, rq, er, li
            FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[]) WITH ORDINALITY AS u(m, id, rq, er, li, n)
            ORDER BY n
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
        int n = rows.size();
        Object[][] columns = new Object[12][n];
        int i = 0;
        for (Map.Entry<Key, Sums> row : rows.entrySet()) {
            Key key = row.getKey();
            Sums sums = row.getValue();
            Object[] values = {key.minuteMicros() / 1_000_000L, key.route(), (short) key.statusClass(), key.tier(), sums.requests,
                    sums.limited, sums.cacheHits, sums.cacheLookups, sums.bytesIn, sums.bytesOut, sums.durationSum,
                    arrayLiteral(sums.histogram)};
            for (int column = 0; column < values.length; column++) {
                columns[column][i] = values[column];
            }
            i++;
        }
        String[] types = {"bigint", "text", "smallint", "text", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint", "text"};
        execute(c, UPSERT, types, columns);

        List<Object[]> keyRows = new ArrayList<>();
        topKeys().forEach((minute, byKey) -> byKey.forEach((id, sums) ->
                keyRows.add(new Object[]{minute / 1_000_000L, id, sums.requests, sums.errors, sums.limited})));
        if (keyRows.isEmpty()) {
            return;
        }
        Object[][] keyColumns = new Object[5][keyRows.size()];
        for (int r = 0; r < keyRows.size(); r++) {
            for (int column = 0; column < 5; column++) {
                keyColumns[column][r] = keyRows.get(r)[column];
            }
        }
        execute(c, UPSERT_KEYS, new String[]{"bigint", "bigint", "bigint", "bigint", "bigint"}, keyColumns);
    }

    /** Runs {@code sql} with one array parameter per column. */
    private static void execute(Connection c, String sql, String[] types, Object[][] columns) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int column = 0; column < columns.length; column++) {
                s.setArray(column + 1, c.createArrayOf(types[column], columns[column]));
            }
            s.executeUpdate();
        }
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
