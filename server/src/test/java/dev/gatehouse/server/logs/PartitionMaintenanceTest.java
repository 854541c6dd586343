package dev.gatehouse.server.logs;

import dev.gatehouse.core.config.LogsConfig;
import dev.gatehouse.core.time.ManualTicker;
import dev.gatehouse.server.store.Database;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static dev.gatehouse.server.logs.LogRows.count;
import static org.assertj.core.api.Assertions.assertThat;

/** Daily partitions of request_logs made ahead, dropped whole past the retention, driven by a manual clock. */
class PartitionMaintenanceTest {
    Vertx vertx;
    TestDatabase testDatabase;
    Database db;
    final ManualTicker clock = new ManualTicker();
    final LogsConfig config = new LogsConfig(true, Duration.ofDays(7), Duration.ofDays(10), 3, 1000, 100, Duration.ofMillis(200), null, 1 << 20);
    PartitionMaintenance maintenance;
    LocalDate today;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        testDatabase = TestPostgres.newDatabase();
        db = LogRows.migrated(testDatabase.jdbcUrl());
        maintenance = new PartitionMaintenance(vertx, db.dataSource(), config, clock);
        today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    @AfterEach
    void stop() {
        maintenance.close();
        db.close();
        vertx.close();
        testDatabase.close();
    }

    private List<String> partitions() throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'request_logs'::regclass "
                        + "ORDER BY 1")) {
            while (r.next()) {
                names.add(r.getString(1));
            }
        }
        return names;
    }

    private static String name(LocalDate day) {
        return PartitionMaintenance.name(day);
    }

    /** Inserts a row at {@code time}; returns the table it landed in. */
    private String insert(Instant time, String requestId) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO request_logs (time, request_id, node_id, seq, route, method, path, status, duration_us, bytes_in, bytes_out) "
                        + "VALUES (?, ?, 'node-a', 1, 'orders', 'GET', '/orders', 200, 1000, 0, 0) RETURNING tableoid::regclass::text")) {
            s.setObject(1, OffsetDateTime.ofInstant(time, ZoneOffset.UTC));
            s.setString(2, requestId);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getString(1);
            }
        }
    }

    private String tableOf(String requestId) {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT tableoid::regclass::text FROM request_logs WHERE request_id = ?")) {
            s.setString(1, requestId);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldMakeTodaysAndTheNextDaysPartitionsAndDropThoseOlderThanTheRetentionWhole() throws SQLException {
        PartitionMaintenance.Outcome first = maintenance.run();
        assertThat(first.ran()).isTrue();
        assertThat(first.created()).containsExactly(name(today), name(today.plusDays(1)), name(today.plusDays(2)), name(today.plusDays(3)));
        assertThat(partitions()).containsExactlyInAnyOrder("request_logs_default", name(today), name(today.plusDays(1)), name(today.plusDays(2)),
                name(today.plusDays(3)));
        assertThat(maintenance.run().created()).as("a second run has nothing to do").isEmpty();
        assertThat(insert(clock.instant(), "now")).isEqualTo(name(today));
        try (Connection c = db.dataSource().getConnection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO request_rollups VALUES (?, 'orders', 2, '', 1, 0, 0, 0, 0, 0, 1000, '{1}')")) {
            s.setObject(1, OffsetDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MINUTES), ZoneOffset.UTC));
            s.executeUpdate();
        }

        clock.advance(Duration.ofDays(9));
        PartitionMaintenance.Outcome later = maintenance.run();
        assertThat(later.created()).containsExactly(name(today.plusDays(9)), name(today.plusDays(10)), name(today.plusDays(11)),
                name(today.plusDays(12)));
        assertThat(later.dropped()).as("the days wholly older than 7 days").containsExactly(name(today), name(today.plusDays(1)));
        assertThat(partitions()).doesNotContain(name(today), name(today.plusDays(1))).contains(name(today.plusDays(2)));
        assertThat(tableOf("now")).as("dropped with its partition").isNull();
        assertThat(count(db, "SELECT count(*) FROM request_rollups")).as("rollups are kept 10 days").isEqualTo(1);

        clock.advance(Duration.ofDays(2));
        maintenance.run();
        assertThat(count(db, "SELECT count(*) FROM request_rollups")).as("past rollupRetention").isZero();
    }

    @Test
    void shouldMoveARowThatLandedInTheDefaultPartitionIntoItsDaysPartitionWhenThatIsMade() throws SQLException {
        maintenance.run();
        Instant skewed = clock.instant().plus(Duration.ofDays(6));
        assertThat(insert(skewed, "skewed")).as("no partition for its day yet").isEqualTo("request_logs_default");
        Instant ancient = clock.instant().minus(Duration.ofDays(30));
        assertThat(insert(ancient, "ancient")).isEqualTo("request_logs_default");

        PartitionMaintenance.Outcome outcome = maintenance.run();
        assertThat(outcome.strays()).as("left in the default partition for now, and logged").isEqualTo(1);
        assertThat(tableOf("ancient")).as("older than the retention").isNull();

        clock.advance(Duration.ofDays(4)); // the skewed day is now within partitionsAhead
        outcome = maintenance.run();
        LocalDate day = LocalDate.ofInstant(skewed, ZoneOffset.UTC);
        assertThat(outcome.created()).contains(name(day));
        assertThat(outcome.moved()).isEqualTo(1);
        assertThat(outcome.strays()).isZero();
        assertThat(tableOf("skewed")).isEqualTo(name(day));
        assertThat(count(db, "SELECT count(*) FROM request_logs_default")).isZero();
        assertThat(insert(skewed.plusSeconds(1), "after")).as("the moved-into partition takes new rows").isEqualTo(name(day));
        assertThat(count(db, "SELECT count(*) FROM pg_indexes WHERE tablename = '" + name(day) + "'"))
                .as("the partition has the table's indexes").isEqualTo(4);
    }

    @Test
    void shouldLeaveTheWorkToTheNodeThatHoldsTheLock() throws SQLException {
        try (Connection other = db.dataSource().getConnection()) {
            other.setAutoCommit(false);
            try (Statement s = other.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(" + PartitionMaintenance.LOCK_KEY + ")");
            }
            PartitionMaintenance.Outcome outcome = maintenance.run();
            assertThat(outcome.ran()).isFalse();
            assertThat(partitions()).containsExactly("request_logs_default");
            other.commit();
        }
        assertThat(maintenance.run().created()).hasSize(4);
    }
}
