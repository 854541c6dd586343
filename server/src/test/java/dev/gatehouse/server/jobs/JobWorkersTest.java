package dev.gatehouse.server.jobs;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.sample.ThirdPartyMock;
import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import dev.gatehouse.testkit.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Workers draining queues into a mock third party with hard quotas: pace, retries, dead letters, pauses, breakers. */
class JobWorkersTest {
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    Vertx vertx;
    TestDatabase database;
    final List<GatewayNode> nodes = new ArrayList<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
    }

    @AfterEach
    void stop() {
        nodes.forEach(GatewayNode::close);
        vertx.close();
        database.close();
    }

    ThirdPartyMock mock(String... windows) {
        return new ThirdPartyMock(java.util.Arrays.stream(windows).map(ThirdPartyMock.Window::parse).toList(), Clock.system()::read);
    }

    int listen(ThirdPartyMock mock) throws Exception {
        HttpServer server = ThirdPartyMock.listen(vertx, mock).toCompletionStage().toCompletableFuture().get();
        return server.actualPort();
    }

    GatewayNode node(String more, int mockPort, String quota, String queue) {
        GatewayNode node = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 4}}
                observability: {accessLog: "off"}
                logs: {enabled: false}
                upstreams:
                  thirdparty:
                    targets: [{url: "http://127.0.0.1:%d"}]
                    %s
                routes:
                  - name: generate
                    match: {prefix: /v1/generate, methods: [POST]}
                    upstream: thirdparty
                    rewrite: /third-party/generate
                    auth: {mode: required}
                    requestHeaders: {set: {x-secret-for-the-third-party: s3cret}}
                    async: {queue: %s}
                %s
                """.formatted(database.jdbcUrl(), mockPort, quota, queue, more));
        nodes.add(node);
        return node;
    }

    String key(GatewayNode node) throws SQLException {
        return node.identities().keys().create("client", "free", List.of(), null, null).key();
    }

    String submit(GatewayNode node, String apiKey, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + "/v1/generate"))
                .header("X-API-Key", apiKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return new JsonObject(response.body()).getString("jobId");
    }

    JsonObject poll(GatewayNode node, String apiKey, String id) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + "/api/v1/jobs/" + id))
                .header("X-API-Key", apiKey).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new JsonObject(response.body());
    }

    long count(String sql) throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    /** Two nodes' workers drain one queue into a third party whose windows they must share, never crossing one. */
    void shareTheQuota(String redis) throws Exception {
        ThirdPartyMock mock = mock("5/s", "40/10s", "200/min");
        int port = listen(mock);
        String quota = "quota: {limits: [5/s, 40/10s, 200/min], target: 90%}";
        String more = redis + "jobs: {queues: {shared: {workers: 3, timeout: 2s, lease: 10s}}}";
        GatewayNode a = node(more, port, quota, "shared");
        GatewayNode b = node(more, port, quota, "shared");
        String apiKey = key(a);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add(submit(i % 2 == 0 ? a : b, apiKey, "{\"prompt\":\"job " + i + "\"}"));
        }
        await().atMost(Duration.ofMinutes(2)).until(() -> count("SELECT count(*) FROM jobs WHERE state = 'succeeded'") == 40);
        JsonObject stats = mock.stats();
        assertThat(stats.getLong("refused")).as("429s: a window crossed (" + stats + ")").isZero();
        for (Object w : stats.getJsonArray("windows")) {
            JsonObject window = (JsonObject) w;
            assertThat(window.getLong("busiest")).as(window.toString()).isLessThanOrEqualTo(window.getLong("limit"));
        }
        assertThat(mock.effects()).as("each job took effect once, under its id").containsExactlyInAnyOrderElementsOf(ids);
        assertThat(List.of(a.metrics().scrape(), b.metrics().scrape())).as("workers of both nodes took part")
                .allSatisfy(scrape -> assertThat(scrape).contains("gatehouse_jobs_finished_total{queue=\"shared\",state=\"succeeded\"}"));

        JsonObject done = poll(b, apiKey, ids.get(0));
        assertThat(done.getString("status")).isEqualTo("succeeded");
        assertThat(done.getInteger("attempts")).isEqualTo(1);
        JsonObject result = done.getJsonObject("result");
        assertThat(result.getInteger("status")).isEqualTo(200);
        assertThat(new JsonObject(result.getString("body")).getString("idempotencyKey")).as("the job's id went as its key").isEqualTo(ids.get(0));
        assertThat(result.getBoolean("truncated")).isFalse();
    }

    @Test
    void shouldKeepTwoNodesWithinEveryWindowOfTheThirdPartyWithThePaceInPostgres() throws Exception {
        shareTheQuota("");
    }

    @Test
    void shouldKeepTwoNodesWithinEveryWindowOfTheThirdPartyWithThePaceInRedis() throws Exception {
        try (RedisNamespace namespace = TestRedis.newNamespace()) {
            shareTheQuota("redis: {url: \"" + TestRedis.url() + "\", keyPrefix: \"" + namespace.prefix() + "\"}\n");
        }
    }

    @Test
    void shouldBuryAPoisonJobAfterItsAttemptsAndRunItAgainWhenReplayed() throws Exception {
        ThirdPartyMock mock = mock("1000/s");
        GatewayNode node = node("jobs: {queues: {poison: {workers: 2, backoff: [50ms, 100ms], timeout: 2s}}}", listen(mock), "", "poison");
        String apiKey = key(node);
        String good = submit(node, apiKey, "{\"prompt\":\"fine\"}");
        String bad = submit(node, apiKey, "{\"prompt\":\"poison\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> poll(node, apiKey, bad).getString("status").equals("dead"));
        JsonObject dead = poll(node, apiKey, bad);
        assertThat(dead.getInteger("attempts")).isEqualTo(3);
        assertThat(dead.getString("error")).contains("500 from upstream 'thirdparty'").contains("attempt 3 of 3");
        assertThat(dead.getJsonObject("result").getInteger("status")).isEqualTo(500);
        assertThat(mock.callsFor(bad)).isEqualTo(3);
        assertThat(poll(node, apiKey, good).getString("status")).isEqualTo("succeeded");

        assertThat(node.jobs().records().replay(UUID.fromString(bad), null, null)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> mock.callsFor(bad) == 6 && poll(node, apiKey, bad).getString("status").equals("dead"));
    }

    @Test
    void shouldPauseTheQueueForWhatA429AsksAndSpendNoAttemptOnIt() throws Exception {
        // the third party allows less than the quota the gateway was told: its 429 says so
        ThirdPartyMock mock = mock("3/2s");
        GatewayNode node = node("jobs: {queues: {paused: {workers: 1, timeout: 2s}}}", listen(mock), "quota: {limits: [100/s]}", "paused");
        String apiKey = key(node);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(submit(node, apiKey, "{\"prompt\":\"" + i + "\"}"));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> count("SELECT count(*) FROM jobs WHERE state = 'succeeded'") == 6);
        assertThat(mock.stats().getLong("refused")).as("the third party said 429").isPositive();
        assertThat(mock.stats().getLong("refused")).as("once per pause, not once per job").isLessThanOrEqualTo(3);
        assertThat(count("SELECT max(attempts) FROM jobs")).as("a 429 spends no attempt").isEqualTo(1);
        assertThat(node.metrics().scrape()).contains("gatehouse_jobs_calls_total{outcome=\"429\",queue=\"paused\"}");
    }

    @Test
    void shouldStopTakingJobsWhileTheThirdPartysBreakerIsOpenWithoutBurningTheirAttempts() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort(); // nothing listens there once it is closed
        }
        GatewayNode node = node("jobs: {queues: {down: {workers: 1, backoff: [1ms, 1ms, 1ms, 1ms, 1ms, 1ms, 1ms, 1ms], timeout: 1s}}}",
                closed, "breaker: {minimumCalls: 2, window: 2, openWait: 1h}", "down");
        String apiKey = key(node);
        for (int i = 0; i < 3; i++) {
            submit(node, apiKey, "{\"prompt\":\"" + i + "\"}");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> node.metrics().scrape().contains("gatehouse_jobs_calls_total{outcome=\"error\",queue=\"down\"} 2.0"));
        await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count(*) FROM jobs WHERE state = 'queued'") == 3);
        assertThat(count("SELECT sum(attempts) FROM jobs")).as("two calls failed, then the breaker opened: no more attempts").isEqualTo(2);
        assertThat(count("SELECT count(*) FROM jobs WHERE state = 'dead'")).isZero();
    }
}
