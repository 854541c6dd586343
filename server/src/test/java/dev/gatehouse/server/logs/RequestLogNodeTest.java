package dev.gatehouse.server.logs;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TcpProxy;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The request log in a running node: its partitions, its sink, its last rows at close, and its spool after kill -9. */
class RequestLogNodeTest {
    @TempDir
    Path dir;

    Vertx vertx;
    TestDatabase database;
    TcpProxy relay;
    final List<GatewayNode> nodes = new ArrayList<>();
    final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        relay = TcpProxy.toDatabase(vertx, database.jdbcUrl());
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        nodes.forEach(GatewayNode::close);
        relay.close();
        vertx.close();
        database.close();
    }

    private String yaml(String url, String logs) {
        return """
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2, connectionTimeout: 1s}}
                observability: {accessLog: "off"}
                logs: {spoolDir: "%s", %s}
                """.formatted(url, dir.resolve("spool"), logs);
    }

    private GatewayNode node(String yaml) {
        GatewayNode node = TestNodes.start(yaml);
        nodes.add(node);
        return node;
    }

    private long count(String sql) throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    private long spooled() throws IOException {
        if (!Files.isDirectory(dir.resolve("spool"))) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir.resolve("spool"))) {
            long bytes = 0;
            for (Path file : (Iterable<Path>) files::iterator) {
                bytes += file.toString().endsWith(".seg") ? Files.size(file) : 0;
            }
            return bytes;
        }
    }

    @Test
    void shouldMakeTheDaysPartitionsAndWriteWhatItsSinkIsOfferedWhenANodeStarts() throws Exception {
        GatewayNode node = node(yaml(database.jdbcUrl(), "batchInterval: 50ms"));
        LocalDate today = LocalDate.ofInstant(Clock.system().instant(), ZoneOffset.UTC);
        for (int i = 0; i <= 3; i++) {
            assertThat(count("SELECT count(*) FROM pg_class WHERE relname = '" + PartitionMaintenance.name(today.plusDays(i)) + "'"))
                    .as("partition %s", today.plusDays(i)).isEqualTo(1);
        }
        long now = Clock.system().epochMicros();
        for (int i = 0; i < 10; i++) {
            assertThat(node.requestLog().offer(LogRows.row(now + i, "r" + i, "orders", 200, 1000))).isTrue();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> count("SELECT count(*) FROM request_logs WHERE node_id = '" + node.nodeId() + "'") == 10);
        assertThat(node.metrics().scrape()).contains("gatehouse_logs_written_total 10.0");
    }

    @Test
    void shouldWriteTheRowsItHoldsWhenItClosesBeforeItsStorageCloses() throws Exception {
        GatewayNode node = node(yaml(database.jdbcUrl(), "batchInterval: 1m, batchRows: 100000"));
        long now = Clock.system().epochMicros();
        for (int i = 0; i < 100; i++) {
            assertThat(node.requestLog().offer(LogRows.row(now + i, "r" + i, "orders", 200, 1000))).isTrue();
        }
        node.close();
        assertThat(count("SELECT count(*) FROM request_logs")).isEqualTo(100);
        assertThat(node.requestLog().offer(LogRows.row(now, "late", "orders", 200, 1000))).as("a closed writer takes nothing").isFalse();
    }

    @Test
    void shouldKeepNoRowsAndMakeNoPartitionsWhenLogsAreOff() throws Exception {
        GatewayNode node = node(yaml(database.jdbcUrl(), "enabled: false"));
        assertThat(node.requestLog()).isSameAs(RequestLogSink.NONE);
        assertThat(count("SELECT count(*) FROM pg_inherits WHERE inhparent = 'request_logs'::regclass")).as("the default only").isEqualTo(1);
        assertThat(node.metrics().scrape()).doesNotContain("gatehouse_logs_");
    }

    @Test
    void shouldReplayWhatANodeKilledWithSignalNineHadSpooledWhenANodeStartsAgain() throws Exception {
        String yaml = yaml(relay.relayed(database.jdbcUrl()), "batchInterval: 50ms, batchRows: 500");
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, yaml);
        Path output = dir.resolve("loaded.out");
        Process loaded = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), LoadedNode.class.getName(), config.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        processes.add(loaded);
        Pattern started = Pattern.compile("node (\\S+)");
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                .failFast("the node exited", () -> assertThat(loaded.isAlive()).as(Files.readString(output)).isTrue())
                .until(() -> started.matcher(Files.readString(output)).find());
        Matcher id = started.matcher(Files.readString(output));
        assertThat(id.find()).isTrue();
        String killed = id.group(1);
        String rowsOfKilled = "FROM request_logs WHERE node_id = '" + killed + "'";
        await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count(*) " + rowsOfKilled) >= 2000);

        relay.cut();
        await().atMost(Duration.ofSeconds(30)).until(() -> spooled() > 100_000); // more than a few batches on disk
        long before = count("SELECT count(*) " + rowsOfKilled);
        loaded.destroyForcibly(); // kill -9, mid-load
        assertThat(loaded.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(spooled()).as("what it spooled survives it").isPositive();

        relay.restore();
        GatewayNode next = node(yaml);
        await().atMost(Duration.ofSeconds(60)).until(() -> spooled() == 0);
        try (Stream<Path> left = Files.list(dir.resolve("spool"))) {
            assertThat(left).as("no segment or lock file left").isEmpty();
        }
        long rows = count("SELECT count(*) " + rowsOfKilled);
        assertThat(rows).as("the spooled rows arrived").isGreaterThan(before);
        assertThat(count("SELECT count(DISTINCT seq) " + rowsOfKilled)).as("none twice").isEqualTo(rows);
        assertThat(count("SELECT max(seq) " + rowsOfKilled)).as("none missing before the last").isEqualTo(rows);
        assertThat(count("SELECT shipped_seq FROM request_log_shipping WHERE node_id = '" + killed + "'")).isEqualTo(rows);
        assertThat(count("SELECT sum(requests) FROM request_rollups")).as("each rolled up once").isEqualTo(count("SELECT count(*) FROM request_logs"));
        assertThat(next.metrics().scrape()).contains("gatehouse_logs_batches_total{result=\"replayed\"}");
        assertThat(Files.readString(output)).doesNotContain("ERROR");
    }
}
