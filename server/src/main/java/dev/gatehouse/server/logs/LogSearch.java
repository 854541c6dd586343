package dev.gatehouse.server.logs;

import dev.gatehouse.core.config.LogsConfig;
import dev.gatehouse.core.time.Clock;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The raw rows of the request log, newest first, a page at a time: by request id, status (exact or a class such
 * as {@code 5xx}), route, API key, subject and time. Pages are keyset-paged on (time, node, sequence), so a page
 * costs the same however deep it is and rows arriving meanwhile never shift one. Blocking (JDBC): call from a
 * worker thread; each query has a statement timeout.
 */
public final class LogSearch {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 1000;
    /** The range searched when none is given (all that is kept when looking for one request id). */
    public static final Duration DEFAULT_RANGE = Duration.ofHours(1);
    private static final String COLUMNS = "time, request_id, node_id, seq, route, method, path, status, duration_us, upstream_us, "
            + "bytes_in, bytes_out, client, subject, key_id, user_id, tier, cache, rate_limit, target, problem, trace_id";

    /** Where a page ends: the last row's time (µs since the epoch), node and sequence; the next page starts below it. */
    public record Cursor(long timeMicros, String nodeId, long seq) {
        /** As sent to clients: opaque and URL-safe. */
        public String token() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString((timeMicros + "." + seq + "." + nodeId).getBytes(StandardCharsets.UTF_8));
        }

        public static Cursor parse(String token) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\\.", 3);
                return new Cursor(Long.parseLong(parts[0]), parts[2], Long.parseLong(parts[1]));
            } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
                throw new IllegalArgumentException("after must be the 'next' of an earlier page, got '" + token + "'");
            }
        }

        Instant time() {
            return Instant.ofEpochSecond(Math.floorDiv(timeMicros, 1_000_000L), Math.floorMod(timeMicros, 1_000_000L) * 1000L);
        }
    }

    /**
     * Which rows to read; a null field takes every row.
     *
     * @param status an exact status ({@code 503}) or a class ({@code 5xx}), as {@link Status#parse} reads it
     * @param subject {@code key:<id>}, {@code user:<id>} or {@code jwt:<sub>}
     */
    public record Criteria(TimeRange range, String requestId, Status status, String route, Long keyId, String subject, int limit, Cursor after) {
        public Criteria {
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new IllegalArgumentException("limit must be from 1 to " + MAX_LIMIT + ", got " + limit);
            }
            Analytics.bounded("requestId", requestId);
            Analytics.bounded("route", route);
            Analytics.bounded("subject", subject);
        }
    }

    /** A status to match: one ({@code 404}) or a class ({@code 4xx}: 400 to 499). */
    public record Status(int from, int to) {
        public static Status parse(String text) {
            String t = text.trim().toLowerCase(java.util.Locale.ROOT);
            if (t.matches("[1-5]xx")) {
                int base = (t.charAt(0) - '0') * 100;
                return new Status(base, base + 99);
            }
            if (t.matches("[1-5][0-9]{2}")) {
                return new Status(Integer.parseInt(t), Integer.parseInt(t));
            }
            throw new IllegalArgumentException("status must be a status such as 503 or a class such as 5xx, got '" + text + "'");
        }
    }

    /** One row of {@code request_logs}. */
    public record Entry(Instant time, String requestId, String nodeId, long seq, String route, String method, String path, int status,
                        long durationMicros, Long upstreamMicros, long bytesIn, long bytesOut, String client, String subject, Long keyId,
                        Long userId, String tier, String cache, String rateLimit, String target, String problem, String traceId) {
        Cursor cursor() {
            return new Cursor(time.getEpochSecond() * 1_000_000L + time.getNano() / 1000, nodeId, seq);
        }
    }

    /** A page of rows, newest first, and where the next one starts (null on the last page). */
    public record Page(List<Entry> rows, Cursor next) {
    }

    private final DataSource db;
    private final LogsConfig config;
    private final Clock clock;

    /** @param config what is kept: raw rows for {@code retention}, the longest range a search covers */
    public LogSearch(DataSource db, LogsConfig config, Clock clock) {
        this.db = db;
        this.config = config;
        this.clock = clock;
    }

    /**
     * The range {@code since}, {@code from} and {@code until} name (see {@link TimeRange#parse}); when none is given,
     * the last hour, or everything kept when {@code everything} (a search for one request id).
     */
    public TimeRange range(String since, String from, String until, boolean everything) {
        return TimeRange.parse(since, from, until, clock.instant(), everything ? config.retention() : DEFAULT_RANGE, config.retention(),
                "raw rows are kept logs.retention");
    }

    public Page search(Criteria c) throws SQLException {
        Where where = new Where().and("time >= ?", c.range().from()).and("time < ?", c.range().until())
                .and("request_id = ?", c.requestId()).and("route = ?", c.route()).and("key_id = ?", c.keyId())
                .and("subject = ?", c.subject());
        if (c.status() != null) {
            where.and("status BETWEEN ? AND ?", c.status().from(), c.status().to());
        }
        if (c.after() != null) {
            where.and("(time, node_id, seq) < (?, ?, ?)", c.after().time(), c.after().nodeId(), c.after().seq());
        }
        // one more than the page, to know whether another follows
        String sql = "SELECT " + COLUMNS + " FROM request_logs" + where.sql() + " ORDER BY time DESC, node_id DESC, seq DESC LIMIT ?";
        List<Entry> rows = new ArrayList<>();
        try (Connection connection = db.getConnection(); PreparedStatement s = connection.prepareStatement(sql)) {
            s.setQueryTimeout(Analytics.QUERY_TIMEOUT_SECONDS);
            s.setInt(where.bind(s, 1), c.limit() + 1);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rows.add(entry(r));
                }
            }
        }
        if (rows.size() <= c.limit()) {
            return new Page(rows, null);
        }
        List<Entry> page = List.copyOf(rows.subList(0, c.limit()));
        return new Page(page, page.get(page.size() - 1).cursor());
    }

    private static Entry entry(ResultSet r) throws SQLException {
        return new Entry(r.getObject("time", OffsetDateTime.class).toInstant(), r.getString("request_id"), r.getString("node_id"),
                r.getLong("seq"), r.getString("route"), r.getString("method"), r.getString("path"), r.getInt("status"),
                r.getLong("duration_us"), nullable(r, "upstream_us"), r.getLong("bytes_in"), r.getLong("bytes_out"), r.getString("client"),
                r.getString("subject"), nullable(r, "key_id"), nullable(r, "user_id"), r.getString("tier"), r.getString("cache"),
                r.getString("rate_limit"), r.getString("target"), r.getString("problem"), r.getString("trace_id"));
    }

    private static Long nullable(ResultSet r, String column) throws SQLException {
        long value = r.getLong(column);
        return r.wasNull() ? null : value;
    }
}
