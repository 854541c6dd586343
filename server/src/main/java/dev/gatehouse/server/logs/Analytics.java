package dev.gatehouse.server.logs;

import dev.gatehouse.core.config.LogsConfig;
import dev.gatehouse.core.stats.LatencyBuckets;
import dev.gatehouse.core.time.Clock;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the request log says about a span of time: a summary (requests, error rate, latency percentiles, 429s,
 * cache hit ratio, top routes, keys and status classes) and a time series for a dashboard to draw. Both come from
 * the per-minute rollups, so a range costs minutes × routes × tiers rows however many requests it held; a
 * question about one API key reads that key's raw rows instead (rollups keep only counts per key), so it reaches
 * back as far as raw rows are kept. Blocking (JDBC): call from a worker thread. Every query is bounded by its
 * range, its number of points and a statement timeout.
 */
public final class Analytics {
    /** How many routes and keys a summary ranks. */
    public static final int TOP = 10;
    /** The most routes {@link #routes} lists. */
    public static final int MAX_ROUTES = 500;
    /** The most points a series has. */
    public static final int MAX_POINTS = 1440;
    /** The points a series has when no step is asked for (more for ranges under an hour: a step is at least a minute). */
    static final int DEFAULT_POINTS = 60;
    /** A query running longer is cancelled: analytics must never hold the pool the gateway's own look-ups use. */
    static final int QUERY_TIMEOUT_SECONDS = 10;
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final String ROLLUP_HISTOGRAM = " FROM request_rollups r CROSS JOIN LATERAL unnest(r.histogram) WITH ORDINALITY AS b(n, i)";

    /** Which requests a question is about; a null field takes every one. */
    public record Filter(String route, String tier, Long keyId) {
        public static final Filter ALL = new Filter(null, null, null);

        public Filter {
            bounded("route", route);
            bounded("tier", tier);
            if (keyId != null && keyId < 1) {
                throw new IllegalArgumentException("key must be a key's id (a whole number from 1), got " + keyId);
            }
        }

        boolean byKey() {
            return keyId != null;
        }

        Where where(String timeColumn, Instant from, Instant until) {
            return new Where().and(timeColumn + " >= ?", from).and(timeColumn + " < ?", until).and("route = ?", route)
                    .and("tier = ?", tier).and("key_id = ?", keyId);
        }
    }

    /** A route, key or status class and how many requests it had: all of them, 5xx and 429. */
    public record Count(String name, long requests, long errors, long limited) {
    }

    /**
     * A span of time in sum.
     *
     * @param range the span read: whole minutes when read from rollups
     * @param fromRows whether it was read from raw rows (a question about one key) rather than rollups
     * @param seconds the span's length up to now, what {@link #perSecond()} divides by
     * @param clientErrors 4xx answers (429s included)
     * @param errors 5xx answers
     * @param limited 429 answers
     * @param cacheHits requests a cache answered (L1, L2 or stale) of {@code cacheLookups} to cached routes
     * @param p50Micros latency percentiles in µs (the bucket's bound from rollups, exact from raw rows); -1 without requests
     * @param topRoutes the busiest routes, most requests first
     * @param topKeys the API keys with the most requests, most first
     * @param statuses requests by status class ({@code 2xx}), most first
     */
    public record Summary(TimeRange range, Filter filter, boolean fromRows, double seconds, long requests, long clientErrors, long errors,
                          long limited, long cacheHits, long cacheLookups, long bytesIn, long bytesOut, long durationMicros,
                          long p50Micros, long p95Micros, long p99Micros, List<Count> topRoutes, List<Count> topKeys,
                          List<Count> statuses) {
        /** 5xx answers over all requests; 0 without requests. */
        public double errorRate() {
            return requests == 0 ? 0 : (double) errors / requests;
        }

        /** Cache hits over requests to cached routes; null when none went to one. */
        public Double cacheHitRatio() {
            return cacheLookups == 0 ? null : (double) cacheHits / cacheLookups;
        }

        public double perSecond() {
            return seconds <= 0 ? 0 : requests / seconds;
        }

        /** The mean latency in µs; -1 without requests. */
        public long meanMicros() {
            return requests == 0 ? -1 : durationMicros / requests;
        }
    }

    /**
     * One step of a series: requests that arrived in {@code [start, start + step)}, their 5xx and 429s, latency
     * percentiles in µs (-1 without requests), and cache hits of lookups to cached routes.
     */
    public record Point(Instant start, long requests, long errors, long limited, long p50Micros, long p95Micros, long p99Micros,
                        long cacheHits, long cacheLookups) {
    }

    /** One route over a range: its requests, 5xx and 429s, and latency percentiles in µs (-1 without requests). */
    public record RouteStats(String route, long requests, long errors, long limited, long p50Micros, long p95Micros, long p99Micros) {
    }

    /** A caller refused with 429 in a range: who ({@code key:<id>}, {@code user:<id>}, {@code ip:<address>}), how often, when last. */
    public record LimitedCaller(String caller, String tier, long limited, Instant last) {
    }

    /** A time series at {@code step}, one point per step of the range (empty steps included, as zeros). */
    public record Series(TimeRange range, Duration step, boolean fromRows, List<Point> points) {
    }

    private final DataSource db;
    private final LogsConfig config;
    private final Clock clock;

    /** @param config what is kept: raw rows for {@code retention}, rollups for {@code rollupRetention}, the longest ranges */
    public Analytics(DataSource db, LogsConfig config, Clock clock) {
        this.db = db;
        this.config = config;
        this.clock = clock;
    }

    /**
     * The range {@code since}, {@code from} and {@code until} name (see {@link TimeRange#parse}), at most what is kept
     * for questions like {@code filter}: raw rows for one key, rollups otherwise.
     */
    public TimeRange range(String since, String from, String until, Duration fallback, Filter filter) {
        return filter.byKey()
                ? TimeRange.parse(since, from, until, clock.instant(), fallback, config.retention(), "one key's analytics read raw rows, kept logs.retention")
                : TimeRange.parse(since, from, until, clock.instant(), fallback, config.rollupRetention(), "rollups are kept logs.rollupRetention");
    }

    public Summary summary(TimeRange asked, Filter filter) throws SQLException {
        try (Connection c = db.getConnection()) {
            return filter.byKey() ? summaryFromRows(c, asked, filter) : summaryFromRollups(c, asked, filter);
        }
    }

    /**
     * The series over {@code asked} at {@code step} (null: about {@value #DEFAULT_POINTS} points), in steps aligned to
     * the epoch so consecutive reads line up.
     *
     * @throws IllegalArgumentException for a step that is not whole minutes, or one that makes too many points
     */
    public Series series(TimeRange asked, Duration step, Filter filter) throws SQLException {
        Duration chosen = step(asked, step);
        long stepSeconds = chosen.toSeconds();
        Instant from = Instant.ofEpochSecond(Math.floorDiv(asked.from().getEpochSecond(), stepSeconds) * stepSeconds);
        TimeRange range = new TimeRange(from, from.plusSeconds(points(asked, stepSeconds) * stepSeconds));
        Map<Long, long[]> counts = new LinkedHashMap<>();
        Map<Long, long[]> histograms = new LinkedHashMap<>();
        Map<Long, long[]> quantiles = new LinkedHashMap<>();
        String slot = "(floor(extract(epoch FROM %s) / ?) * ?)::bigint";
        try (Connection c = db.getConnection()) {
            if (filter.byKey()) {
                Where where = filter.where("time", range.from(), range.until());
                query(c, "SELECT " + slot.formatted("time") + " AS slot, count(*), count(*) FILTER (WHERE status >= 500), "
                        + "count(*) FILTER (WHERE status = 429), count(*) FILTER (WHERE cache IN ('HIT-L1', 'HIT-L2', 'STALE')), count(cache), "
                        + "percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_us) FROM request_logs"
                        + where.sql() + " GROUP BY slot", where, stepSeconds, r -> {
                    counts.put(r.getLong(1), new long[]{r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5), r.getLong(6)});
                    Long[] q = (Long[]) r.getArray(7).getArray();
                    quantiles.put(r.getLong(1), new long[]{q[0], q[1], q[2]});
                });
            } else {
                Where where = filter.where("minute", range.from(), range.until());
                query(c, "SELECT " + slot.formatted("minute") + " AS slot, sum(requests), coalesce(sum(requests) FILTER (WHERE status_class = 5), 0), "
                        + "sum(limited), sum(cache_hits), sum(cache_lookups) FROM request_rollups" + where.sql() + " GROUP BY slot", where, stepSeconds,
                        r -> counts.put(r.getLong(1), new long[]{r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5), r.getLong(6)}));
                Where inner = filter.where("r.minute", range.from(), range.until());
                query(c, "SELECT " + slot.formatted("r.minute") + " AS slot, b.i, sum(b.n)" + ROLLUP_HISTOGRAM + inner.sql()
                        + " GROUP BY slot, b.i", inner, stepSeconds,
                        r -> bucket(histograms.computeIfAbsent(r.getLong(1), k -> new long[LatencyBuckets.COUNT]), r.getInt(2), r.getLong(3)));
                histograms.forEach((at, histogram) -> quantiles.put(at, new long[]{LatencyBuckets.quantile(histogram, 0.5),
                        LatencyBuckets.quantile(histogram, 0.95), LatencyBuckets.quantile(histogram, 0.99)}));
            }
        }
        List<Point> out = new ArrayList<>();
        for (long at = range.from().getEpochSecond(); at < range.until().getEpochSecond(); at += stepSeconds) {
            long[] n = counts.getOrDefault(at, new long[5]);
            long[] q = n[0] == 0 ? new long[]{-1, -1, -1} : quantiles.getOrDefault(at, new long[]{-1, -1, -1});
            out.add(new Point(Instant.ofEpochSecond(at), n[0], n[1], n[2], q[0], q[1], q[2], n[3], n[4]));
        }
        return new Series(range, chosen, filter.byKey(), out);
    }

    /**
     * Every route's requests over {@code asked} (widened to whole minutes, read from the rollups), busiest first, at most
     * {@value #MAX_ROUTES}, with its latency percentiles from the routes' histograms.
     */
    public List<RouteStats> routes(TimeRange asked, Filter filter) throws SQLException {
        TimeRange range = wholeMinutes(asked);
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, long[]> histograms = new LinkedHashMap<>();
        try (Connection c = db.getConnection()) {
            Where where = filter.where("minute", range.from(), range.until());
            query(c, "SELECT route, sum(requests) AS n, coalesce(sum(requests) FILTER (WHERE status_class = 5), 0), sum(limited) FROM request_rollups"
                    + where.sql() + " GROUP BY route ORDER BY n DESC, route LIMIT " + MAX_ROUTES, where, 0,
                    r -> counts.put(r.getString(1), new long[]{r.getLong(2), r.getLong(3), r.getLong(4)}));
            Where inner = filter.where("r.minute", range.from(), range.until());
            query(c, "SELECT r.route, b.i, sum(b.n)" + ROLLUP_HISTOGRAM + inner.sql() + " GROUP BY r.route, b.i", inner, 0,
                    r -> bucket(histograms.computeIfAbsent(r.getString(1), k -> new long[LatencyBuckets.COUNT]), r.getInt(2), r.getLong(3)));
        }
        List<RouteStats> out = new ArrayList<>();
        counts.forEach((route, n) -> {
            long[] h = histograms.getOrDefault(route, new long[LatencyBuckets.COUNT]);
            out.add(new RouteStats(route, n[0], n[1], n[2], LatencyBuckets.quantile(h, 0.5), LatencyBuckets.quantile(h, 0.95),
                    LatencyBuckets.quantile(h, 0.99)));
        });
        return out;
    }

    /**
     * The callers refused with 429 most often over {@code range} (at most raw rows' {@code logs.retention} back), most
     * first, at most {@value #TOP}: by key, user or JWT subject, else by client address.
     */
    public List<LimitedCaller> limited(TimeRange range, Filter filter) throws SQLException {
        Where where = filter.where("time", range.from(), range.until()).and("status = ?", 429);
        List<LimitedCaller> out = new ArrayList<>();
        try (Connection c = db.getConnection()) {
            query(c, "SELECT coalesce(subject, 'ip:' || coalesce(client, 'unknown')) AS caller, max(tier), count(*) AS n, max(time) FROM request_logs"
                    + where.sql() + " GROUP BY caller ORDER BY n DESC, caller LIMIT " + TOP, where, 0,
                    r -> out.add(new LimitedCaller(r.getString(1), r.getString(2), r.getLong(3), r.getTimestamp(4).toInstant())));
        }
        return out;
    }

    /** The range of raw rows {@code since}, {@code from} and {@code until} name, at most {@code logs.retention} back. */
    public TimeRange rowRange(String since, String from, String until, Duration fallback) {
        return TimeRange.parse(since, from, until, clock.instant(), fallback, config.retention(), "raw rows are kept logs.retention");
    }

    private static TimeRange wholeMinutes(TimeRange asked) {
        Instant from = floorMinute(asked.from());
        Instant until = floorMinute(asked.until()).equals(asked.until()) ? asked.until() : floorMinute(asked.until()).plus(MINUTE);
        return new TimeRange(from, until);
    }

    /**
     * The step a series over {@code range} takes: {@code asked}, or about {@value #DEFAULT_POINTS} points' worth when null.
     *
     * @throws IllegalArgumentException for a step that is not whole minutes, or one that makes more than {@value #MAX_POINTS} points
     */
    public static Duration step(TimeRange range, Duration asked) {
        if (asked == null) {
            long minutes = (range.length().toSeconds() + DEFAULT_POINTS * 60L - 1) / (DEFAULT_POINTS * 60L);
            return Duration.ofMinutes(Math.max(1, minutes));
        }
        if (asked.toSeconds() % 60 != 0 || asked.toSeconds() <= 0) {
            throw new IllegalArgumentException("step must be whole minutes such as 1m, 5m or 1h (rollups are per minute), got "
                    + TimeRange.text(asked));
        }
        long points = points(range, asked.toSeconds());
        if (points > MAX_POINTS) {
            long least = (range.length().toSeconds() + MAX_POINTS * 60L - 1) / (MAX_POINTS * 60L);
            while (points(range, least * 60) > MAX_POINTS) {
                least++;
            }
            throw new IllegalArgumentException("a step of " + TimeRange.text(asked) + " over " + TimeRange.text(range.length()) + " makes "
                    + points + " points, at most " + MAX_POINTS + ": use a step of at least " + least + "m");
        }
        return asked;
    }

    /** Steps from the one {@code range} starts in (aligned to the epoch) to the one it ends in. */
    private static long points(TimeRange range, long stepSeconds) {
        long first = Math.floorDiv(range.from().getEpochSecond(), stepSeconds) * stepSeconds;
        return (range.until().getEpochSecond() - first + stepSeconds - 1) / stepSeconds;
    }

    private Summary summaryFromRollups(Connection c, TimeRange asked, Filter filter) throws SQLException {
        // rollups are per minute: the range widens to the minutes it touches
        Instant from = floorMinute(asked.from());
        Instant until = floorMinute(asked.until()).equals(asked.until()) ? asked.until() : floorMinute(asked.until()).plus(MINUTE);
        TimeRange range = new TimeRange(from, until);
        Where where = filter.where("minute", from, until);
        // requests, 4xx, 5xx, then the sums in the order selected: 429s, cache hits, cache lookups, bytes in, bytes out, µs
        long[] totals = new long[9];
        List<Count> statuses = new ArrayList<>();
        query(c, "SELECT status_class, sum(requests), sum(limited), sum(cache_hits), sum(cache_lookups), sum(bytes_in), sum(bytes_out), "
                + "sum(duration_us_sum) FROM request_rollups" + where.sql() + " GROUP BY status_class ORDER BY 2 DESC, 1", where, 0, r -> {
            int statusClass = r.getInt(1);
            long requests = r.getLong(2);
            totals[0] += requests;
            totals[1] += statusClass == 4 ? requests : 0;
            totals[2] += statusClass == 5 ? requests : 0;
            for (int i = 3; i <= 8; i++) {
                totals[i] += r.getLong(i);
            }
            statuses.add(new Count(statusClass + "xx", requests, statusClass == 5 ? requests : 0, r.getLong(3)));
        });
        long[] histogram = new long[LatencyBuckets.COUNT];
        Where inner = filter.where("r.minute", from, until);
        query(c, "SELECT b.i, sum(b.n)" + ROLLUP_HISTOGRAM + inner.sql() + " GROUP BY b.i", inner, 0,
                r -> bucket(histogram, r.getInt(1), r.getLong(2)));
        List<Count> routes = new ArrayList<>();
        query(c, "SELECT route, sum(requests) AS n, coalesce(sum(requests) FILTER (WHERE status_class = 5), 0), sum(limited) FROM request_rollups"
                + where.sql() + " GROUP BY route ORDER BY n DESC, route LIMIT " + TOP, where, 0,
                r -> routes.add(new Count(r.getString(1), r.getLong(2), r.getLong(3), r.getLong(4))));
        List<Count> keys = filter.route() == null && filter.tier() == null ? topKeysFromRollups(c, range) : topKeysFromRows(c, range, filter);
        return new Summary(range, filter, false, seconds(range), totals[0], totals[1], totals[2], totals[3], totals[4], totals[5],
                totals[6], totals[7], totals[8], LatencyBuckets.quantile(histogram, 0.5),
                LatencyBuckets.quantile(histogram, 0.95), LatencyBuckets.quantile(histogram, 0.99), routes, keys, statuses);
    }

    /** The busiest keys of the range, from the per-key rollups (key 0 holds the callers past each node's top ones). */
    private List<Count> topKeysFromRollups(Connection c, TimeRange range) throws SQLException {
        Where where = new Where().and("minute >= ?", range.from()).and("minute < ?", range.until()).and("key_id <> ?", 0L);
        List<Count> keys = new ArrayList<>();
        query(c, "SELECT key_id, sum(requests) AS n, sum(errors), sum(limited) FROM request_rollups_keys" + where.sql()
                + " GROUP BY key_id ORDER BY n DESC, key_id LIMIT " + TOP, where, 0,
                r -> keys.add(new Count(Long.toString(r.getLong(1)), r.getLong(2), r.getLong(3), r.getLong(4))));
        return keys;
    }

    /** The busiest keys among the requests {@code filter} takes: per-key rollups know no routes, so raw rows tell. */
    private List<Count> topKeysFromRows(Connection c, TimeRange range, Filter filter) throws SQLException {
        Where where = filter.where("time", range.from(), range.until()).and("key_id IS NOT NULL");
        List<Count> keys = new ArrayList<>();
        query(c, "SELECT key_id, count(*) AS n, count(*) FILTER (WHERE status >= 500), count(*) FILTER (WHERE status = 429) FROM request_logs"
                + where.sql() + " GROUP BY key_id ORDER BY n DESC, key_id LIMIT " + TOP, where, 0,
                r -> keys.add(new Count(Long.toString(r.getLong(1)), r.getLong(2), r.getLong(3), r.getLong(4))));
        return keys;
    }

    private Summary summaryFromRows(Connection c, TimeRange range, Filter filter) throws SQLException {
        Where where = filter.where("time", range.from(), range.until());
        long[] t = new long[12];
        query(c, "SELECT count(*), count(*) FILTER (WHERE status BETWEEN 400 AND 499), count(*) FILTER (WHERE status >= 500), "
                + "count(*) FILTER (WHERE status = 429), count(*) FILTER (WHERE cache IN ('HIT-L1', 'HIT-L2', 'STALE')), count(cache), "
                + "coalesce(sum(bytes_in), 0), coalesce(sum(bytes_out), 0), coalesce(sum(duration_us), 0), "
                + "coalesce(percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_us), -1), "
                + "coalesce(percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_us), -1), "
                + "coalesce(percentile_disc(0.99) WITHIN GROUP (ORDER BY duration_us), -1) FROM request_logs" + where.sql(), where, 0, r -> {
            for (int i = 0; i < t.length; i++) {
                t[i] = r.getLong(i + 1);
            }
        });
        List<Count> statuses = new ArrayList<>();
        query(c, "SELECT status / 100 AS class, count(*) AS n, count(*) FILTER (WHERE status = 429) FROM request_logs" + where.sql()
                + " GROUP BY class ORDER BY n DESC, class", where, 0,
                r -> statuses.add(new Count(r.getInt(1) + "xx", r.getLong(2), r.getInt(1) == 5 ? r.getLong(2) : 0, r.getLong(3))));
        List<Count> routes = new ArrayList<>();
        query(c, "SELECT route, count(*) AS n, count(*) FILTER (WHERE status >= 500), count(*) FILTER (WHERE status = 429) FROM request_logs"
                + where.sql() + " GROUP BY route ORDER BY n DESC, route LIMIT " + TOP, where, 0,
                r -> routes.add(new Count(r.getString(1), r.getLong(2), r.getLong(3), r.getLong(4))));
        List<Count> keys = List.of(new Count(Long.toString(filter.keyId()), t[0], t[2], t[3]));
        return new Summary(range, filter, true, seconds(range), t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11],
                routes, t[0] == 0 ? List.of() : keys, statuses);
    }

    /** The range's length up to now: the current minute counts only as far as it has gone. */
    private double seconds(TimeRange range) {
        Instant end = range.until().isAfter(clock.instant()) ? clock.instant() : range.until();
        return Math.max(0, Duration.between(range.from(), end).toMillis() / 1000.0);
    }

    /** Adds a count to a histogram at a 1-based bucket (as {@code unnest ... WITH ORDINALITY} numbers them). */
    private static void bucket(long[] histogram, int ordinal, long count) {
        if (ordinal >= 1 && ordinal <= histogram.length) {
            histogram[ordinal - 1] += count;
        }
    }

    static Instant floorMinute(Instant at) {
        return Instant.ofEpochSecond(Math.floorDiv(at.getEpochSecond(), 60) * 60);
    }

    private interface Rows {
        void row(ResultSet r) throws SQLException;
    }

    /**
     * Runs a bounded query: {@code where}'s parameters after {@code stepSeconds} twice when it is not 0 (the slot
     * expression comes first in the SQL).
     */
    private static void query(Connection c, String sql, Where where, long stepSeconds, Rows rows) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            int at = 1;
            if (stepSeconds != 0) {
                s.setLong(at++, stepSeconds);
                s.setLong(at++, stepSeconds);
            }
            where.bind(s, at);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rows.row(r);
                }
            }
        }
    }

    static void bounded(String name, String value) {
        if (value != null && (value.isEmpty() || value.length() > 200)) {
            throw new IllegalArgumentException(name + " must be 1 to 200 characters, got " + value.length());
        }
    }
}
