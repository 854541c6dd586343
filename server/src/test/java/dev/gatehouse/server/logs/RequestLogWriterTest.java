package dev.gatehouse.server.logs;

import dev.gatehouse.core.config.LogsConfig;
import dev.gatehouse.core.stats.LatencyBuckets;
import dev.gatehouse.core.time.Clock;
import dev.gatehouse.server.TcpProxy;
import dev.gatehouse.server.store.Database;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.gatehouse.server.logs.LogRows.count;
import static dev.gatehouse.server.logs.LogRows.counter;
import static dev.gatehouse.server.logs.LogRows.gauge;
import static dev.gatehouse.server.logs.LogRows.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The request-log writer against a real PostgreSQL reached through a relay the tests cut: rows and rollups as
 * written, the spool while the database is away, and exactly one copy of every row once it is back.
 */
class RequestLogWriterTest {
    private static final long MINUTE_MICROS = 60_000_000L;

    @TempDir
    Path dir;

    Vertx vertx;
    TestDatabase testDatabase;
    Database db;
    TcpProxy relay;
    final List<RequestLogWriter> writers = new ArrayList<>();
    /** The start of the current minute, in µs: rows of the tests fall in it or the ones after. */
    long minute;

    @BeforeEach
    void start() throws SQLException {
        vertx = Vertx.vertx();
        testDatabase = TestPostgres.newDatabase();
        db = LogRows.migrated(testDatabase.jdbcUrl());
        relay = TcpProxy.toDatabase(vertx, testDatabase.jdbcUrl());
        new PartitionMaintenance(vertx, db.dataSource(), LogsConfig.DEFAULTS, Clock.system()).run();
        minute = Math.floorDiv(Clock.system().epochMicros(), MINUTE_MICROS) * MINUTE_MICROS;
    }

    @AfterEach
    void stop() {
        writers.forEach(RequestLogWriter::close);
        db.close();
        relay.close();
        vertx.close();
        testDatabase.close();
    }

    private RequestLogWriter writer(String nodeId, LogsConfig config, SimpleMeterRegistry registry) {
        RequestLogWriter writer = new RequestLogWriter(config, nodeId, dir.resolve("spool"), 64 * 1024,
                () -> DriverManager.getConnection(relay.relayed(testDatabase.jdbcUrl())), registry, Clock.system());
        writers.add(writer);
        writer.start();
        return writer;
    }

    private long shipped(String nodeId) {
        return count(db, "SELECT coalesce(max(shipped_seq), 0) FROM request_log_shipping WHERE node_id = '" + nodeId + "'");
    }

    @Test
    void shouldWriteEveryRowWithItsFieldsAndTheRollupsOfItsMinute() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RequestLogWriter writer = writer("node-a", LogRows.config(1000, 100, 1 << 20), registry);
        long t = minute + 5_000_000;
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        assertThat(writer.offer(new RequestLogRow(t, "req-1", "orders", "GET", "/orders/caf%C3%A9", 200, 1500, 900, 120, 3400,
                "10.0.0.7", "jwt:zoë", 42L, null, "pro", "HIT-L1", "allowed", "http://10.0.0.11:3001", null, trace))).isTrue();
        assertThat(writer.offer(new RequestLogRow(t + 1, "req-2", "orders", "POST", "/orders", 429, 200, -1, 50, 300,
                "10.0.0.7", "key:42", 42L, null, "pro", null, "limited", null, "rate-limited", null))).isTrue();
        assertThat(writer.offer(new RequestLogRow(t + 2, "req-3", "orders", "GET", "/orders/2", 503, 30_000, 29_000, 0, 200,
                "10.0.0.8", "key:7", 7L, 3L, "pro", "MISS", "allowed", "http://10.0.0.12:3001", "no-healthy-target", null))).isTrue();
        assertThat(writer.offer(new RequestLogRow(t + 3, "req-4", "orders", "GET", "/orders/3", 200, 800, 700, 0, 10,
                "a\0b", null, null, null, null, "MISS", null, "http://10.0.0.11:3001", null, null))).isTrue();

        await().atMost(Duration.ofSeconds(20)).until(() -> shipped("node-a") == 4);

        try (Connection c = db.dataSource().getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT tableoid::regclass::text, (extract(epoch FROM time) * 1000000)::bigint, node_id, seq, route, method, path, status, "
                        + "duration_us, upstream_us, bytes_in, bytes_out, client, subject, key_id, user_id, tier, cache, rate_limit, target, "
                        + "problem, trace_id FROM request_logs WHERE request_id = ?")) {
            s.setString(1, "req-1");
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                assertThat(r.getString(1)).as("today's partition").startsWith("request_logs_2");
                assertThat(r.getLong(2)).isEqualTo(t);
                assertThat(r.getString(3)).isEqualTo("node-a");
                assertThat(r.getLong(4)).isEqualTo(1);
                assertThat(List.of(r.getString(5), r.getString(6), r.getString(7))).containsExactly("orders", "GET", "/orders/caf%C3%A9");
                assertThat(List.of(r.getLong(8), r.getLong(9), r.getLong(10), r.getLong(11), r.getLong(12)))
                        .containsExactly(200L, 1500L, 900L, 120L, 3400L);
                assertThat(List.of(r.getString(13), r.getString(14))).containsExactly("10.0.0.7", "jwt:zoë");
                assertThat(r.getLong(15)).isEqualTo(42);
                assertThat(r.getObject(16)).isNull();
                assertThat(List.of(r.getString(17), r.getString(18), r.getString(19), r.getString(20)))
                        .containsExactly("pro", "HIT-L1", "allowed", "http://10.0.0.11:3001");
                assertThat(r.getString(21)).isNull();
                assertThat(r.getString(22)).isEqualTo(trace);
            }
            s.setString(1, "req-2");
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                assertThat(r.getLong(4)).isEqualTo(2);
                assertThat(r.getObject(10)).as("no upstream was asked").isNull();
                assertThat(List.of(r.getString(19), r.getString(21))).containsExactly("limited", "rate-limited");
                assertThat(r.getString(18)).isNull();
            }
            s.setString(1, "req-4");
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                assertThat(r.getString(13)).as("NUL, which text cannot hold").isEqualTo("a\uFFFDb");
                assertThat(r.getObject(14)).isNull();
                assertThat(r.getObject(17)).isNull();
            }
        }

        try (Connection c = db.dataSource().getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT requests, limited, cache_hits, cache_lookups, bytes_in, bytes_out, duration_us_sum, histogram FROM request_rollups "
                        + "WHERE minute = to_timestamp(?) AND route = 'orders' AND status_class = ? AND tier = ?")) {
            s.setLong(1, minute / 1_000_000);
            assertThat(rollup(s, 2, "pro")).containsExactly(1L, 0L, 1L, 1L, 120L, 3400L, 1500L, (long) LatencyBuckets.index(1500));
            assertThat(rollup(s, 4, "pro")).containsExactly(1L, 1L, 0L, 0L, 50L, 300L, 200L, (long) LatencyBuckets.index(200));
            assertThat(rollup(s, 5, "pro")).containsExactly(1L, 0L, 0L, 1L, 0L, 200L, 30_000L, (long) LatencyBuckets.index(30_000));
            assertThat(rollup(s, 2, "")).as("no tier").containsExactly(1L, 0L, 0L, 1L, 0L, 10L, 800L, (long) LatencyBuckets.index(800));
        }
        assertThat(count(db, "SELECT count(*) FROM request_rollups")).isEqualTo(4);
        assertThat(count(db, "SELECT requests * 100 + errors * 10 + limited FROM request_rollups_keys WHERE key_id = 42")).isEqualTo(201);
        assertThat(count(db, "SELECT requests * 100 + errors * 10 + limited FROM request_rollups_keys WHERE key_id = 7")).isEqualTo(110);
        assertThat(count(db, "SELECT count(*) FROM request_rollups_keys")).isEqualTo(2);
        assertThat(counter(registry, "gatehouse.logs.written")).isEqualTo(4);
        assertThat(counter(registry, "gatehouse.logs.batches", "result", "written")).isEqualTo(1);
    }

    /** A rollup row's counts, then the one bucket its histogram counts a request in. */
    private static List<Long> rollup(PreparedStatement s, int statusClass, String tier) throws SQLException {
        s.setShort(2, (short) statusClass);
        s.setString(3, tier);
        try (ResultSet r = s.executeQuery()) {
            assertThat(r.next()).as("a rollup for %dxx, tier '%s'", statusClass, tier).isTrue();
            List<Long> values = new ArrayList<>();
            for (int i = 1; i <= 7; i++) {
                values.add(r.getLong(i));
            }
            Long[] histogram = (Long[]) r.getArray(8).getArray();
            assertThat(histogram).as("one request, counted in the last bucket kept (empty ones after it are left off)")
                    .containsOnly(0L, 1L).endsWith(1L);
            assertThat(java.util.Arrays.stream(histogram).mapToLong(Long::longValue).sum()).isEqualTo(1);
            values.add((long) histogram.length - 1);
            return values;
        }
    }

    private static long[] histogram(Array array) throws SQLException {
        Long[] counts = (Long[]) array.getArray();
        long[] histogram = new long[LatencyBuckets.COUNT];
        for (int i = 0; i < counts.length; i++) {
            histogram[i] = counts[i];
        }
        return histogram;
    }

    @Test
    void shouldSpoolWhileTheDatabaseIsCutAndWriteEveryRowExactlyOnceWhenItIsBack() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RequestLogWriter writer = writer("node-a", LogRows.config(100_000, 200, 64L << 20), registry);
        int offered = 0;
        for (; offered < 1000; offered++) {
            assertThat(writer.offer(row(minute + offered, "r" + offered, "orders", 200, 1000 + offered))).isTrue();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> shipped("node-a") == 1000);

        relay.cut();
        for (; offered < 6000; offered++) {
            assertThat(writer.offer(row(minute + offered, "r" + offered, "orders", 200, 1000 + offered))).isTrue();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> gauge(registry, "gatehouse.logs.queue") == 0
                && gauge(registry, "gatehouse.logs.spool.bytes") > 0);
        assertThat(LogRows.segments(dir.resolve("spool"))).as("segments of 64 KiB").isGreaterThan(1);
        assertThat(count(db, "SELECT count(*) FROM request_logs")).isEqualTo(1000);

        relay.restore();
        for (; offered < 7000; offered++) { // after the spooled ones, in order
            assertThat(writer.offer(row(minute + offered, "r" + offered, "orders", 200, 1000 + offered))).isTrue();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> count(db, "SELECT count(*) FROM request_logs") >= 7000
                && gauge(registry, "gatehouse.logs.spool.bytes") == 0);
        assertThat(count(db, "SELECT count(*) FROM request_logs")).isEqualTo(7000);
        assertThat(count(db, "SELECT count(DISTINCT seq) FROM request_logs WHERE node_id = 'node-a'")).isEqualTo(7000);
        assertThat(count(db, "SELECT max(seq) FROM request_logs")).isEqualTo(7000);
        assertThat(count(db, "SELECT count(*) FROM request_logs WHERE request_id = 'r' || (seq - 1)")).as("each row under its own number")
                .isEqualTo(7000);
        assertThat(shipped("node-a")).isEqualTo(7000);
        assertThat(count(db, "SELECT sum(requests) FROM request_rollups")).as("rolled up once each").isEqualTo(7000);
        assertThat(LogRows.segments(dir.resolve("spool"))).as("segments deleted once shipped").isZero();
        assertThat(counter(registry, "gatehouse.logs.written")).isEqualTo(7000);
        assertThat(registry.get("gatehouse.logs.dropped").counters()).allSatisfy(c -> assertThat(c.count()).isZero());
        assertThat(counter(registry, "gatehouse.logs.batches", "result", "replayed")).isPositive();
    }

    @Test
    void shouldDropAndCountExactlyTheRowsAFullSpoolCannotHold() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RequestLogWriter writer = writer("node-a", LogRows.config(100_000, 50, 16 * 1024), registry);
        relay.cut(); // after the start: a node starts with PostgreSQL up
        for (int i = 0; i < 2000; i++) {
            assertThat(writer.offer(row(minute + i, "r" + i, "orders", 200, 1000))).isTrue();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> gauge(registry, "gatehouse.logs.queue") == 0
                && counter(registry, "gatehouse.logs.dropped", "reason", "spool-full") > 0);
        assertThat(gauge(registry, "gatehouse.logs.spool.bytes")).isPositive().isLessThanOrEqualTo(16 * 1024);

        relay.restore();
        await().atMost(Duration.ofSeconds(30)).until(() -> count(db, "SELECT count(*) FROM request_logs")
                + counter(registry, "gatehouse.logs.dropped", "reason", "spool-full") >= 2000);
        long stored = count(db, "SELECT count(*) FROM request_logs");
        double dropped = counter(registry, "gatehouse.logs.dropped", "reason", "spool-full");
        assertThat(stored + (long) dropped).as("every row written or counted as dropped").isEqualTo(2000);
        assertThat(gauge(registry, "gatehouse.logs.spool.bytes")).isZero();
        assertThat(count(db, "SELECT count(DISTINCT seq) FROM request_logs")).isEqualTo(stored);
        assertThat(counter(registry, "gatehouse.logs.written")).isEqualTo(stored);
    }

    @Test
    void shouldWriteABatchOnceWhenTheConnectionIsLostAsItCommits() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CommitCutRelay cutter = new CommitCutRelay(vertx, testDatabase.jdbcUrl())) {
            RequestLogWriter writer = new RequestLogWriter(LogRows.config(10_000, 500, 1 << 20), "node-a", dir.resolve("spool"),
                    () -> DriverManager.getConnection(cutter.relayed(testDatabase.jdbcUrl())), registry, Clock.system());
            writers.add(writer);
            writer.start();
            cutter.arm();
            for (int i = 0; i < 500; i++) {
                assertThat(writer.offer(row(minute + i, "r" + i, "orders", 200, 1000))).isTrue();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> counter(registry, "gatehouse.logs.written") == 500);
            assertThat(cutter.cuts()).as("the commit was cut off from its answer").isEqualTo(1);
        }
        assertThat(counter(registry, "gatehouse.logs.batches", "result", "failed")).isEqualTo(1);
        assertThat(counter(registry, "gatehouse.logs.batches", "result", "spooled"))
                .as("the cursor said the batch was in: not spooled to be written again").isZero();
        assertThat(count(db, "SELECT count(*) FROM request_logs")).isEqualTo(500);
        assertThat(count(db, "SELECT count(DISTINCT seq) FROM request_logs")).isEqualTo(500);
        assertThat(count(db, "SELECT sum(requests) FROM request_rollups")).isEqualTo(500);
    }

    @Test
    void shouldWriteNothingTwiceWhenABatchIsWrittenAgain() throws Exception {
        List<RequestLogRow> rows = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            rows.add(row(minute + i, "r" + i, "orders", 200, 1000));
        }
        try (RequestLogStore store = new RequestLogStore(() -> DriverManager.getConnection(testDatabase.jdbcUrl()))) {
            assertThat(store.write(new LogBatch("node-a", 1, rows))).isEqualTo(100);
            assertThat(store.write(new LogBatch("node-a", 1, rows))).as("replayed after its commit went through").isZero();
            assertThat(store.write(new LogBatch("node-a", 51, rows))).as("only the rows past the cursor").isEqualTo(50);
            assertThat(store.write(new LogBatch("node-b", 1, rows))).as("another node's numbers are its own").isEqualTo(100);
            assertThat(store.shippedSeq("node-a")).isEqualTo(150);
        }
        assertThat(count(db, "SELECT count(*) FROM request_logs WHERE node_id = 'node-a'")).isEqualTo(150);
        assertThat(count(db, "SELECT count(DISTINCT seq) FROM request_logs WHERE node_id = 'node-a'")).isEqualTo(150);
        assertThat(count(db, "SELECT sum(requests) FROM request_rollups")).as("rolled up once per row written").isEqualTo(250);
    }

    @Test
    void shouldRefuseAndCountARowOfferedToAFullQueueWithoutWaiting() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RequestLogWriter writer = new RequestLogWriter(LogRows.config(10, 5, 1 << 20), "node-a", dir.resolve("spool"),
                () -> DriverManager.getConnection(testDatabase.jdbcUrl()), registry, Clock.system());
        writers.add(writer); // not started: nothing takes rows from the queue
        for (int i = 0; i < 10; i++) {
            assertThat(writer.offer(row(minute, "r" + i, "orders", 200, 1000))).isTrue();
        }
        assertThat(writer.offer(row(minute, "r10", "orders", 200, 1000))).isFalse();
        assertThat(counter(registry, "gatehouse.logs.dropped", "reason", "queue-full")).isEqualTo(1);
        assertThat(gauge(registry, "gatehouse.logs.queue")).isEqualTo(10);
    }

    @Test
    void shouldAddUpTwoNodesRowsOfTheSameMinute() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RequestLogWriter a = writer("node-a", LogRows.config(10_000, 37, 1 << 20), registry);
        RequestLogWriter b = writer("node-b", LogRows.config(10_000, 41, 1 << 20), new SimpleMeterRegistry());
        long[] expected = new long[LatencyBuckets.COUNT];
        Random random = new Random(11);
        for (int i = 0; i < 1000; i++) {
            long duration = 100 + random.nextInt(50_000);
            expected[LatencyBuckets.index(duration)]++;
            RequestLogWriter writer = i % 2 == 0 ? a : b;
            RequestLogRow row = new RequestLogRow(minute + i, "r" + i, "orders", "GET", "/orders", 200, duration, 10, 1, 2,
                    null, "key:" + (i % 3 + 1), (long) (i % 3 + 1), null, "free", null, null, null, null, null);
            assertThat(writer.offer(row)).isTrue();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> shipped("node-a") == 500 && shipped("node-b") == 500);

        assertThat(count(db, "SELECT count(*) FROM request_rollups")).isEqualTo(1);
        assertThat(count(db, "SELECT requests FROM request_rollups")).isEqualTo(1000);
        assertThat(count(db, "SELECT bytes_out FROM request_rollups")).isEqualTo(2000);
        try (Connection c = db.dataSource().getConnection(); var s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT histogram FROM request_rollups")) {
            r.next();
            assertThat(histogram(r.getArray(1))).isEqualTo(expected);
        }
        assertThat(count(db, "SELECT sum(requests) FROM request_rollups_keys")).isEqualTo(1000);
        assertThat(count(db, "SELECT requests FROM request_rollups_keys WHERE key_id = 1")).isEqualTo(334);
        assertThat(count(db, "SELECT count(*) FROM request_rollups_keys")).as("three keys, none merged").isEqualTo(3);
    }

    @Test
    void shouldGivePercentilesFromRollupsWithinTheBucketErrorOfThoseOfTheRawRows() throws Exception {
        RequestLogWriter writer = writer("node-a", LogRows.config(100_000, 5000, 1 << 20), new SimpleMeterRegistry());
        Random random = new Random(7);
        String[] routes = {"orders", "search", "users"};
        int rows = 30_000;
        for (int i = 0; i < rows; i++) {
            long duration = 100 + (long) Math.exp(random.nextGaussian() * 1.5 + 8); // log-normal around 3 ms
            long at = minute + (long) i * 3 * MINUTE_MICROS / rows; // over three minutes
            int status = i % 50 == 0 ? 503 : 200;
            assertThat(writer.offer(row(at, "r" + i, routes[i % 3], status, duration))).isTrue();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> shipped("node-a") == rows);

        long[] summed = new long[LatencyBuckets.COUNT];
        try (Connection c = db.dataSource().getConnection(); var s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT histogram FROM request_rollups")) {
            while (r.next()) {
                LatencyBuckets.add(summed, histogram(r.getArray(1)));
            }
        }
        for (double p : new double[]{0.5, 0.95, 0.99}) {
            long raw = count(db, "SELECT percentile_disc(" + p + ") WITHIN GROUP (ORDER BY duration_us) FROM request_logs");
            long fromRollups = LatencyBuckets.quantile(summed, p);
            assertThat((double) fromRollups).as("p%s", p).isCloseTo(raw, within(raw * (LatencyBuckets.RATIO - 1) + 1));
            assertThat(fromRollups).as("a bucket's bound is at or above what it holds").isGreaterThanOrEqualTo(raw);
        }
        assertThat(count(db, "SELECT count(*) FROM request_rollups")).as("3 minutes x 3 routes x 2 status classes").isEqualTo(18);
    }
}
