package dev.gatehouse.server;

import dev.gatehouse.core.config.StorageConfig;
import dev.gatehouse.server.store.Database;
import dev.gatehouse.testkit.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdminAndStorageTest {

    static TestBed bed;
    static TestDatabase database;
    static TestUpstream upstream;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        bed = new TestBed();
        database = bed.database;
        upstream = bed.upstream("svc");
        gateway = GatewayHarness.start(database, """
                upstreams:
                  svc: {targets: [{url: "%s", weight: 2}]}
                routes:
                  - {name: svc, match: {prefix: /svc}, upstream: svc}
                """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        bed.close();
    }

    static double metric(String metrics, String series) {
        return metrics.lines().filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
    }

    @Test
    void metricsCountRequestsByRouteAndStatusClassWithBoundedLabels() {
        String ok = "gatehouse_requests_seconds_count{route=\"svc\",status=\"2xx\"}";
        String notFound = "gatehouse_requests_seconds_count{route=\"none\",status=\"4xx\"}";
        String before = gateway.admin("/metrics").body();
        gateway.get("/svc/a");
        gateway.get("/svc/b?secret=1");
        gateway.get("/unknown/path");
        String metrics = gateway.admin("/metrics").body();
        assertThat(metric(metrics, ok) - metric(before, ok)).isEqualTo(2);
        assertThat(metric(metrics, notFound) - metric(before, notFound)).isEqualTo(1);
        assertThat(metrics)
                .contains("gatehouse_requests_seconds_bucket{route=\"svc\",status=\"2xx\",le=\"0.1\"}")
                .contains("gatehouse_upstream_healthy{pool=\"svc\",target=\"" + upstream.address() + "\"} 1.0")
                .contains("gatehouse_upstream_breaker_open{pool=\"svc\"")
                .contains("gatehouse_upstream_connections")
                .contains("hikaricp_connections_max{pool=\"gatehouse-db\"} 2.0")
                .contains("gatehouse_access_log_dropped_total");
        assertThat(metrics).as("raw paths never become labels").doesNotContain("/svc/a").doesNotContain("secret");
    }

    @Test
    void upstreamsAndRoutesAreDescribedOnTheAdminListener() {
        gateway.get("/svc/a");
        JsonObject pool = new JsonObject(gateway.admin("/upstreams").body()).getJsonObject("svc");
        JsonObject target = pool.getJsonArray("targets").getJsonObject(0);
        assertThat(target.getString("target")).isEqualTo(upstream.address());
        assertThat(target.getInteger("weight")).isEqualTo(2);
        assertThat(target.getString("breaker")).isEqualTo("CLOSED");
        assertThat(target.getBoolean("healthy")).isTrue();
        assertThat(target.getLong("successes")).isPositive();

        JsonArray routes = new JsonArray(gateway.admin("/routes").body());
        assertThat(routes.getJsonObject(0).getString("name")).isEqualTo("svc");
        assertThat(routes.getJsonObject(0).getString("upstream")).isEqualTo("svc");
    }

    @Test
    void unknownAdminPathsGetAProblem() {
        HttpResponse<String> response = gateway.admin("/nope");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("the admin API has no GET /nope");
    }

    @Test
    void healthEndpointsAnswerOnBothListeners() {
        assertThat(gateway.get("/health/live").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = gateway.get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"storage\":\"UP\"");
        assertThat(gateway.admin("/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void theNodeMigratesTheSchemaAndRegistersItself() throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM gatehouse_nodes WHERE node_id = '" + gateway.node().nodeId() + "'")) {
            r.next();
            assertThat(r.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void theAdminApiListsTheLiveNodesOfTheDatabaseAndTellsAStoppedOneApart() {
        GatewayNode second = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2}}
                observability: {accessLog: "off"}
                """.formatted(database.jdbcUrl()));
        String secondId = second.nodeId();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonArray nodes = new JsonArray(gateway.admin("/nodes").body());
            JsonObject mine = find(nodes, gateway.node().nodeId());
            JsonObject other = find(nodes, secondId);
            assertThat(mine.getBoolean("live")).isTrue();
            assertThat(mine.getString("gateway")).isEqualTo("127.0.0.1:" + gateway.port());
            assertThat(other.getBoolean("live")).isTrue();
            assertThat(other.getString("admin")).isEqualTo("127.0.0.1:" + second.adminPort());
        });
        second.close();
        JsonObject stopped = find(new JsonArray(gateway.admin("/nodes").body()), secondId);
        assertThat(stopped.getBoolean("live")).isFalse();
        assertThat(stopped.getString("stoppedAt")).isNotNull();
    }

    private static JsonObject find(JsonArray nodes, String id) {
        return nodes.stream().map(JsonObject.class::cast).filter(n -> n.getString("nodeId").equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no node " + id + " in " + nodes.encode()));
    }

    @Test
    void thePoolSizeIsAHardCap() throws SQLException {
        StorageConfig config = new StorageConfig(database.jdbcUrl(), null, null, 2, Duration.ofMillis(300), null);
        try (Database db = Database.open(config, null);
             Connection a = db.dataSource().getConnection();
             Connection b = db.dataSource().getConnection()) {
            assertThat(a.isValid(1) && b.isValid(1)).isTrue();
            assertThatThrownBy(() -> db.dataSource().getConnection()).isInstanceOf(SQLException.class)
                    .hasMessageContaining("Connection is not available");
        }
    }

    @Test
    void anEmbeddedDatabaseKeepsItsDataAcrossRestarts(@TempDir Path dir) throws SQLException {
        StorageConfig config = new StorageConfig(null, null, null, 2, Duration.ofSeconds(10), dir.resolve("pg").toString());
        try (Database db = Database.open(config, null); Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE kept (v text)");
            s.execute("INSERT INTO kept VALUES ('still here')");
        }
        try (Database db = Database.open(config, null); Connection c = db.dataSource().getConnection();
             Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT v FROM kept")) {
            r.next();
            assertThat(r.getString(1)).isEqualTo("still here");
        }
    }

    @Test
    void anUnreachableDatabaseIsReportedWithItsAddressButNotItsPassword() {
        StorageConfig config = new StorageConfig("jdbc:postgresql://127.0.0.1:1/nothing?password=hunter2", null, null, 1,
                Duration.ofMillis(500), null);
        assertThatThrownBy(() -> Database.open(config, null))
                .hasMessageContaining("cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:1/nothing?password=***")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }
}
