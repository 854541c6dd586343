package dev.gatehouse.server.logs;

import dev.gatehouse.core.config.LogsConfig;
import dev.gatehouse.core.time.Clock;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps {@code request_logs}' daily partitions ({@code request_logs_YYYYMMDD}, UTC days): at start and every hour
 * one node at a time (under an advisory transaction lock) makes today's and {@code logs.partitionsAhead} days ahead,
 * drops whole the partitions older than {@code logs.retention}, and deletes rollups older than
 * {@code logs.rollupRetention}.
 *
 * <p>A row for a day without a partition (a clock far off) lands in the default partition, and is logged once a
 * day. PostgreSQL refuses to make a partition for a range the default partition holds rows of, so when a day that
 * is due a partition has rows there, its partition is made beside the table, the rows moved into it and it is
 * attached, in one transaction; with partitions made days ahead that is rare. Rows in the default partition older
 * than the retention are deleted: it is the one table rows are ever deleted from.
 */
public final class PartitionMaintenance implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PartitionMaintenance.class);
    /** The advisory lock the nodes of one database take turns on. */
    static final long LOCK_KEY = 0x67617465686c6f67L; // "gatehlog"
    private static final long EVERY_MILLIS = TimeUnit.HOURS.toMillis(1);
    private static final Pattern PARTITION = Pattern.compile("request_logs_(\\d{8})");
    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

    /** What one run did; {@code ran} is false when another node held the lock. */
    public record Outcome(boolean ran, List<String> created, List<String> dropped, long moved, long strays) {
    }

    private final Vertx vertx;
    private final DataSource dataSource;
    private final LogsConfig config;
    private final Clock clock;
    private LocalDate warnedOn;
    private long timer = -1;

    public PartitionMaintenance(Vertx vertx, DataSource dataSource, LogsConfig config, Clock clock) {
        this.vertx = vertx;
        this.dataSource = dataSource;
        this.config = config;
        this.clock = clock;
    }

    /** Runs once now (blocking: from the thread that starts the node), then every hour off the event loops. */
    public synchronized void start() {
        runQuietly();
        if (timer < 0) {
            timer = vertx.setPeriodic(EVERY_MILLIS, id -> vertx.executeBlocking(() -> {
                runQuietly();
                return null;
            }, true));
        }
    }

    private void runQuietly() {
        try {
            run();
        } catch (SQLException | RuntimeException e) {
            log.warn("request-log partition maintenance failed (retried within the hour): {}", e.getMessage());
        }
    }

    /** One run, as of the clock's now. Blocking. */
    public synchronized Outcome run() throws SQLException {
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Outcome outcome = run(c, now, today);
                c.commit();
                if (outcome.strays() > 0 && !today.equals(warnedOn)) {
                    warnedOn = today;
                    log.warn("{} request-log rows are in request_logs_default, for days without a partition: is a node's clock off?",
                            outcome.strays());
                }
                return outcome;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private Outcome run(Connection c, Instant now, LocalDate today) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '10s'"); // never queue writers up for long behind this
            try (ResultSet r = s.executeQuery("SELECT pg_try_advisory_xact_lock(" + LOCK_KEY + ")")) {
                r.next();
                if (!r.getBoolean(1)) {
                    return new Outcome(false, List.of(), List.of(), 0, 0);
                }
            }
        }
        TreeSet<LocalDate> existing = partitions(c);
        Map<LocalDate, Long> strays = strays(c);
        Instant cutoff = now.minus(config.retention());
        List<String> created = new ArrayList<>();
        long moved = 0;
        // today and the days ahead, and any day within the retention that has rows waiting in the default partition
        TreeSet<LocalDate> due = new TreeSet<>();
        for (int i = 0; i <= config.partitionsAhead(); i++) {
            due.add(today.plusDays(i));
        }
        for (LocalDate day : strays.keySet()) {
            if (start(day.plusDays(1)).isAfter(cutoff) && !day.isAfter(today.plusDays(config.partitionsAhead()))) {
                due.add(day);
            }
        }
        for (LocalDate day : due) {
            if (existing.contains(day)) {
                continue;
            }
            moved += create(c, day, strays.containsKey(day));
            created.add(name(day));
            existing.add(day);
            strays.remove(day);
        }
        List<String> dropped = new ArrayList<>();
        for (LocalDate day : existing) {
            if (!start(day.plusDays(1)).isAfter(cutoff)) { // wholly older than the retention
                try (Statement s = c.createStatement()) {
                    s.execute("DROP TABLE " + name(day));
                }
                dropped.add(name(day));
            }
        }
        deleteBefore(c, "DELETE FROM request_logs_default WHERE time < ?", cutoff);
        strays.keySet().removeIf(day -> !start(day.plusDays(1)).isAfter(cutoff));
        Instant rollupCutoff = now.minus(config.rollupRetention());
        deleteBefore(c, "DELETE FROM request_rollups WHERE minute < ?", rollupCutoff);
        deleteBefore(c, "DELETE FROM request_rollups_keys WHERE minute < ?", rollupCutoff);
        if (!created.isEmpty() || !dropped.isEmpty()) {
            log.info("request-log partitions: made {}, dropped {}", created, dropped);
        }
        long left = strays.values().stream().mapToLong(Long::longValue).sum();
        return new Outcome(true, created, dropped, moved, left);
    }

    /** The days that have a partition. */
    private static TreeSet<LocalDate> partitions(Connection c) throws SQLException {
        TreeSet<LocalDate> days = new TreeSet<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(
                "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
                        + "WHERE pg_inherits.inhparent = 'request_logs'::regclass")) {
            while (r.next()) {
                Matcher m = PARTITION.matcher(r.getString(1));
                if (m.matches()) {
                    days.add(LocalDate.parse(m.group(1), DAY));
                }
            }
        }
        return days;
    }

    /** The rows in the default partition, by UTC day. */
    private static Map<LocalDate, Long> strays(Connection c) throws SQLException {
        Map<LocalDate, Long> days = new TreeMap<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(
                "SELECT (time AT TIME ZONE 'UTC')::date, count(*) FROM request_logs_default GROUP BY 1")) {
            while (r.next()) {
                days.put(r.getObject(1, LocalDate.class), r.getLong(2));
            }
        }
        return days;
    }

    /** Makes a day's partition; returns how many rows it moved into it from the default partition. */
    private static long create(Connection c, LocalDate day, boolean hasStrays) throws SQLException {
        String name = name(day);
        String bounds = "FROM ('" + start(day) + "') TO ('" + start(day.plusDays(1)) + "')";
        try (Statement s = c.createStatement()) {
            if (!hasStrays) {
                s.execute("CREATE TABLE " + name + " PARTITION OF request_logs FOR VALUES " + bounds);
                return 0;
            }
            s.execute("CREATE TABLE " + name + " (LIKE request_logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)");
            long moved = s.executeUpdate("WITH moved AS (DELETE FROM request_logs_default WHERE time >= '" + start(day) + "' AND time < '"
                    + start(day.plusDays(1)) + "' RETURNING *) INSERT INTO " + name + " SELECT * FROM moved");
            s.execute("ALTER TABLE request_logs ATTACH PARTITION " + name + " FOR VALUES " + bounds);
            log.info("moved {} request-log rows of {} from the default partition into {}", moved, day, name);
            return moved;
        }
    }

    private static void deleteBefore(Connection c, String sql, Instant cutoff) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC));
            s.executeUpdate();
        }
    }

    static String name(LocalDate day) {
        return "request_logs_" + DAY.format(day);
    }

    private static Instant start(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    @Override
    public synchronized void close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }
}
