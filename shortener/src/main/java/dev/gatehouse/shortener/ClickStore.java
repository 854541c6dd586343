package dev.gatehouse.shortener;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Click counts in PostgreSQL ({@code shortener.clicks_daily}): batches added by the write-behind flush, and stats read back. */
public final class ClickStore {

    /** Clicks of one link over a range of days (inclusive). */
    public record Stats(long total, long inRange, Map<LocalDate, Long> byDay, Map<String, Long> byReferrer, Map<String, Long> byAgent) {
    }

    private static final int TOP = 20;

    private final DataSource db;

    public ClickStore(DataSource db) {
        this.db = db;
    }

    /**
     * Adds a batch in one transaction, in key order (two instances flushing the same rows cannot deadlock).
     * A batch either lands whole or not at all, so a failed flush can be retried without counting twice.
     */
    public void add(Map<Click, Long> batch) throws SQLException {
        if (batch.isEmpty()) {
            return;
        }
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("INSERT INTO shortener.clicks_daily (link_id, day, referrer, agent, clicks) "
                    + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (link_id, day, referrer, agent) "
                    + "DO UPDATE SET clicks = shortener.clicks_daily.clicks + excluded.clicks")) {
                for (Map.Entry<Click, Long> e : new TreeMap<>(batch).entrySet()) {
                    Click k = e.getKey();
                    s.setLong(1, k.linkId());
                    s.setDate(2, Date.valueOf(LocalDate.ofEpochDay(k.epochDay())));
                    s.setString(3, k.referrer());
                    s.setString(4, k.agent());
                    s.setLong(5, e.getValue());
                    s.addBatch();
                }
                s.executeBatch();
            }
            c.commit();
        }
    }

    /** The link's clicks: all time, and from {@code from} to {@code to} by day (every day listed), top referrers and agents. */
    public Stats stats(long linkId, LocalDate from, LocalDate to) throws SQLException {
        try (Connection c = db.getConnection()) {
            long total;
            try (PreparedStatement s = c.prepareStatement("SELECT coalesce(sum(clicks), 0) FROM shortener.clicks_daily WHERE link_id = ?")) {
                s.setLong(1, linkId);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    total = r.getLong(1);
                }
            }
            Map<LocalDate, Long> byDay = new LinkedHashMap<>();
            for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
                byDay.put(d, 0L);
            }
            long inRange = 0;
            for (Map.Entry<String, Long> e : grouped(c, "day::text", linkId, from, to, Integer.MAX_VALUE).entrySet()) {
                byDay.put(LocalDate.parse(e.getKey()), e.getValue());
                inRange += e.getValue();
            }
            return new Stats(total, inRange, byDay, grouped(c, "referrer", linkId, from, to, TOP), grouped(c, "agent", linkId, from, to, TOP));
        }
    }

    private static Map<String, Long> grouped(Connection c, String column, long linkId, LocalDate from, LocalDate to, int limit)
            throws SQLException {
        String order = column.startsWith("day") ? "1" : "2 DESC, 1";
        try (PreparedStatement s = c.prepareStatement("SELECT " + column + ", sum(clicks) FROM shortener.clicks_daily "
                + "WHERE link_id = ? AND day BETWEEN ? AND ? GROUP BY 1 ORDER BY " + order + " LIMIT ?")) {
            s.setLong(1, linkId);
            s.setDate(2, Date.valueOf(from));
            s.setDate(3, Date.valueOf(to));
            s.setInt(4, limit);
            Map<String, Long> out = new LinkedHashMap<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.put(r.getString(1), r.getLong(2));
                }
            }
            return out;
        }
    }

    /** The codes of the links clicked most since {@code since}: what is worth having in memory at start. */
    public List<String> hottest(LocalDate since, int limit) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT l.code FROM shortener.clicks_daily k JOIN shortener.links l ON l.id = k.link_id "
                     + "WHERE k.day >= ? GROUP BY l.code ORDER BY sum(k.clicks) DESC LIMIT ?")) {
            s.setDate(1, Date.valueOf(since));
            s.setInt(2, limit);
            List<String> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(r.getString(1));
                }
            }
            return out;
        }
    }

    /** Deletes the clicks of these links, in the caller's transaction. */
    static void deleteClicks(Connection c, Collection<Long> linkIds) throws SQLException {
        if (linkIds.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("DELETE FROM shortener.clicks_daily WHERE link_id = ANY (?)")) {
            s.setArray(1, c.createArrayOf("bigint", linkIds.toArray()));
            s.executeUpdate();
        }
    }
}
