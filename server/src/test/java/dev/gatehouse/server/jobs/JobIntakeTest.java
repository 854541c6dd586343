package dev.gatehouse.server.jobs;

import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Submitting jobs through an async route and polling them: what a client sees, and what is stored. */
class JobIntakeTest {
    static TestDatabase database;
    static GatewayNode node;
    static String alice;
    static String bob;
    static String admin;
    static final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws SQLException {
        database = TestPostgres.newDatabase();
        node = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 2}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 6}}
                observability: {accessLog: "off"}
                logs: {enabled: false}
                upstreams:
                  thirdparty:
                    targets: [{url: "http://127.0.0.1:9"}]
                    quota: {limits: [60/min], target: 90%%}
                routes:
                  - name: generate
                    match: {prefix: /v1/generate, methods: [POST]}
                    upstream: thirdparty
                    auth: {mode: required}
                    async: {queue: gen, contentTypes: [application/json], maxBodyBytes: 1KiB}
                jobs:
                  queues:
                    gen: {workers: 0}
                """.formatted(database.jdbcUrl()));
        alice = node.identities().keys().create("alice", "free", List.of(), null, null).key();
        bob = node.identities().keys().create("bob", "free", List.of(), null, null).key();
        admin = node.identities().keys().create("ops", "free", List.of("admin"), null, null).key();
    }

    @AfterAll
    static void stop() {
        node.close();
        database.close();
    }

    static HttpResponse<String> post(String path, String key, String contentType, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(20));
        if (key != null) {
            request.header("X-API-Key", key);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path, String key) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + path)).timeout(Duration.ofSeconds(20));
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static long count(String sql) throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    @Test
    void shouldAnswer202WithTheJobAndWhereToPollItOnceTheJobIsStored() throws Exception {
        HttpResponse<String> accepted = post("/v1/generate?model=small", alice, "application/json", "{\"prompt\":\"hello\"}",
                "X-Trace", "t-1");
        assertThat(accepted.statusCode()).isEqualTo(202);
        JsonObject body = new JsonObject(accepted.body());
        String id = body.getString("jobId");
        assertThat(body.getString("status")).isEqualTo("queued");
        assertThat(body.getString("statusUrl")).isEqualTo("/api/v1/jobs/" + id);
        assertThat(body.getString("estimatedStart")).as("from the queue's place and its pace, 54/min").isNotNull();
        assertThat(accepted.headers().firstValue("location")).hasValue("/api/v1/jobs/" + id);

        // durable before the answer: the row is there now
        assertThat(count("SELECT count(*) FROM jobs WHERE id = '" + id + "' AND state = 'queued' AND target = '/v1/generate?model=small'"))
                .isEqualTo(1);
        try (Connection c = database.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT headers, owner, convert_from(body, 'UTF8') FROM jobs WHERE id = '" + id + "'")) {
            r.next();
            assertThat(r.getString(1)).contains("x-trace: t-1").contains("content-type: application/json")
                    .as("no credential is stored").doesNotContainIgnoringCase("x-api-key").doesNotContain(alice);
            assertThat(r.getString(2)).startsWith("key:");
            assertThat(r.getString(3)).isEqualTo("{\"prompt\":\"hello\"}");
        }

        HttpResponse<String> polled = get("/api/v1/jobs/" + id, alice);
        assertThat(polled.statusCode()).isEqualTo(200);
        JsonObject status = new JsonObject(polled.body());
        assertThat(status.getString("status")).isEqualTo("queued");
        assertThat(status.getInteger("attempts")).isZero();
        assertThat(status.getInteger("maxAttempts")).isEqualTo(3);
        assertThat(status.getString("estimatedStart")).isNotNull();
        assertThat(polled.headers().firstValue("cache-control")).hasValue("no-store");
    }

    @Test
    void shouldReturnTheSameJobWhenASubmissionIsRetriedWithItsIdempotencyKey() throws Exception {
        String key = UUID.randomUUID().toString();
        HttpResponse<String> first = post("/v1/generate", alice, "application/json", "{\"prompt\":\"once\"}", "Idempotency-Key", key);
        HttpResponse<String> retried = post("/v1/generate", alice, "application/json", "{\"prompt\":\"once\"}", "Idempotency-Key", key);
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(retried.statusCode()).isEqualTo(202);
        String id = new JsonObject(first.body()).getString("jobId");
        assertThat(new JsonObject(retried.body()).getString("jobId")).isEqualTo(id);
        assertThat(retried.headers().firstValue("idempotent-replayed")).hasValue("true");
        assertThat(count("SELECT count(*) FROM jobs WHERE idempotency_key = '" + key + "'")).as("never a second job").isEqualTo(1);

        HttpResponse<String> reused = post("/v1/generate", alice, "application/json", "{\"prompt\":\"something else\"}", "Idempotency-Key", key);
        assertThat(reused.statusCode()).isEqualTo(422);
        assertThat(reused.body()).contains("urn:gatehouse:problem:idempotency-key-reused").contains(id);

        HttpResponse<String> othersKey = post("/v1/generate", bob, "application/json", "{\"prompt\":\"once\"}", "Idempotency-Key", key);
        assertThat(othersKey.statusCode()).as("a key is its caller's own").isEqualTo(202);
        assertThat(new JsonObject(othersKey.body()).getString("jobId")).isNotEqualTo(id);
    }

    @Test
    void shouldShowAJobToItsSubmitterAndAnAdminOnly() throws Exception {
        String id = new JsonObject(post("/v1/generate", alice, "application/json", "{}").body()).getString("jobId");
        assertThat(get("/api/v1/jobs/" + id, alice).statusCode()).isEqualTo(200);
        HttpResponse<String> other = get("/api/v1/jobs/" + id, bob);
        assertThat(other.statusCode()).as("the same answer as for no such job").isEqualTo(404);
        assertThat(other.body()).contains("urn:gatehouse:problem:not-found");
        HttpResponse<String> none = get("/api/v1/jobs/" + UUID.randomUUID(), alice);
        assertThat(new JsonObject(none.body()).getString("detail")).isEqualTo(new JsonObject(other.body()).getString("detail"));
        assertThat(get("/api/v1/jobs/" + id, admin).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/jobs/" + id, null).statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/jobs/not-a-uuid", alice).statusCode()).isEqualTo(404);
    }

    @Test
    void shouldRefuseWhatAJobCannotCarrySayingWhy() throws Exception {
        HttpResponse<String> anonymous = post("/v1/generate", null, "application/json", "{}");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        HttpResponse<String> text = post("/v1/generate", alice, "text/plain", "hello");
        assertThat(text.statusCode()).isEqualTo(415);
        assertThat(text.body()).contains("urn:gatehouse:problem:unsupported-media-type").contains("application/json");
        HttpResponse<String> large = post("/v1/generate", alice, "application/json", "{\"p\":\"" + "x".repeat(2000) + "\"}");
        assertThat(large.statusCode()).isEqualTo(413);
        assertThat(large.body()).contains("1024 bytes");
        HttpResponse<String> badKey = post("/v1/generate", alice, "application/json", "{}", "Idempotency-Key", "a key with spaces");
        assertThat(badKey.statusCode()).isEqualTo(400);
        assertThat(badKey.body()).contains("urn:gatehouse:problem:invalid-idempotency-key");
        assertThat(count("SELECT count(*) FROM jobs WHERE convert_from(body, 'UTF8') LIKE '%xxxx%' OR convert_from(body, 'UTF8') = 'hello'"))
                .as("none of them stored").isZero();
    }

    @Test
    void shouldAcceptEveryJobOfABurstOfTenThousand() throws Exception {
        long before = count("SELECT count(*) FROM jobs");
        Vertx vertx = Vertx.vertx();
        try {
            HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(64)
                    .setMaxWaitQueueSize(-1));
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                String body = "{\"prompt\":\"burst " + i + "\"}";
                answers.add(client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(node.gatewayPort())
                                .setURI("/v1/generate").putHeader("X-API-Key", alice).putHeader("Content-Type", "application/json"))
                        .compose(request -> request.send(Buffer.buffer(body)))
                        .compose(response -> response.body().map(b -> response.statusCode() + " " + b)));
            }
            Future.all(answers).toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
            Set<String> ids = new HashSet<>();
            for (Future<String> answer : answers) {
                String result = answer.result();
                assertThat(result).startsWith("202 ");
                ids.add(new JsonObject(result.substring(4)).getString("jobId"));
            }
            assertThat(ids).hasSize(10_000);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        assertThat(count("SELECT count(*) FROM jobs") - before).isEqualTo(10_000);
        assertThat(node.metrics().scrape()).contains("gatehouse_jobs_submitted_total{queue=\"gen\",result=\"created\"}");
    }
}
