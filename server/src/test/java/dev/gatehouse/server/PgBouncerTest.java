package dev.gatehouse.server;

import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPgBouncer;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two nodes whose storage URL goes through a real PgBouncer in transaction mode and whose LISTENs go straight to
 * PostgreSQL ({@code storage.postgres.listenUrl}): they migrate and serve through the pooler, and still hear each
 * other's revocations and jobs at once.
 */
class PgBouncerTest {
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static Vertx vertx;
    static TestDatabase database;
    static TestPgBouncer bouncer;
    /** Takes jobs in but runs no workers for them. */
    static GatewayNode intake;
    /** Runs the only worker, which looks for jobs on its own every ten minutes. */
    static GatewayNode worker;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        bouncer = TestPgBouncer.start();
        int upstream = TestNodes.okUpstream(vertx);
        // both at once: their migrations meet through the pooler, where only a transaction-scoped lock holds
        CompletableFuture<GatewayNode> first = CompletableFuture.supplyAsync(() -> TestNodes.start(yaml(upstream, 0)));
        CompletableFuture<GatewayNode> second = CompletableFuture.supplyAsync(() -> TestNodes.start(yaml(upstream, 1)));
        intake = first.get();
        worker = second.get();
    }

    static String yaml(int upstream, int workers) {
        return """
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", listenUrl: "%s", poolSize: 3}}
                observability: {accessLog: "off"}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                  - {name: orders, match: {prefix: /orders}, upstream: svc, auth: {mode: required}}
                  - {name: generate, match: {prefix: /generate, methods: [POST]}, upstream: svc, auth: {mode: required}, async: {queue: generate}}
                jobs: {queues: {generate: {workers: %d, pollInterval: 10m}}}
                """.formatted(bouncer.jdbcUrl(database), database.jdbcUrl(), upstream, workers);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {intake, worker, bouncer}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the others still close
            }
        }
        vertx.close();
        database.close();
    }

    static HttpResponse<String> send(GatewayNode node, String method, String path, String key) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + path)).header("X-API-Key", key)
                .header("Content-Type", "application/json").method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{}")
                        : HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aKeyRevokedOnOneNodeIsRefusedOnTheOtherWithinSeconds() throws Exception {
        // the first round may be settled by the change feed's first re-read as it connects; the second only by a notice
        for (int round = 1; round <= 2; round++) {
            String key = intake.identities().keys().create("round " + round, "free", List.of(), null, null).key();
            assertThat(send(worker, "GET", "/orders/1", key).statusCode()).as("cached on the worker node").isEqualTo(200);

            assertThat(intake.identities().keys().revoke(ApiKeys.prefix(key))).isTrue();
            await("round " + round).atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
                    .untilAsserted(() -> assertThat(send(worker, "GET", "/orders/1", key).statusCode()).isEqualTo(401));
        }
    }

    @Test
    void aJobSubmittedOnOneNodeWakesTheOthersWorkerAtOnce() throws Exception {
        String key = intake.identities().keys().create("client", "free", List.of(), null, null).key();
        await("the worker node listening for jobs").atMost(Duration.ofSeconds(10)).until(() -> worker.jobs().listening());
        await("its worker idle until woken").atMost(Duration.ofSeconds(10)).until(PgBouncerTest::workerWaitsToBeWoken);

        HttpResponse<String> submitted = send(intake, "POST", "/generate", key);
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        String id = new JsonObject(submitted.body()).getString("jobId");
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                assertThat(new JsonObject(send(intake, "GET", "/api/v1/jobs/" + id, key).body()).getString("status")).isEqualTo("succeeded"));
    }

    /** Whether the worker node's worker waits on its wake-up signal (else it may be looking for jobs, and find one unwoken). */
    static boolean workerWaitsToBeWoken() {
        List<StackTraceElement[]> workers = new ArrayList<>();
        for (Map.Entry<Thread, StackTraceElement[]> thread : Thread.getAllStackTraces().entrySet()) {
            if (thread.getKey().getName().startsWith("gatehouse-job-generate-")) {
                workers.add(thread.getValue());
            }
        }
        return workers.size() == 1 && Arrays.stream(workers.get(0))
                .anyMatch(frame -> frame.getClassName().endsWith("JobWakeups$Signal") && frame.getMethodName().equals("await"));
    }

    @Test
    void aListenThroughThePoolerHearsNothingOnceItsTransactionEnds() throws Exception {
        try (Connection pooled = DriverManager.getConnection(bouncer.jdbcUrl(database)); Connection direct = database.connect();
             Connection notifier = database.connect()) {
            for (Connection c : List.of(pooled, direct)) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN pgbouncer_test");
                }
            }
            try (Statement s = notifier.createStatement()) {
                s.execute("NOTIFY pgbouncer_test, 'hello'");
            }
            List<PGNotification> heard = new ArrayList<>();
            await("the direct connection hears it").atMost(Duration.ofSeconds(5)).until(() -> heard.addAll(notices(direct, 100)));
            assertThat(heard).extracting(PGNotification::getParameter).containsExactly("hello");

            // PostgreSQL sent the pooled LISTEN's server connection the notice as well, while no client was linked to it
            try (Statement s = pooled.createStatement()) {
                s.execute("SELECT 1");
            }
            assertThat(pooled.unwrap(PGConnection.class).getNotifications()).isEmpty();
        }
    }

    /** What the connection heard, waiting up to {@code millis} for it. */
    static List<PGNotification> notices(Connection c, int millis) throws java.sql.SQLException {
        PGNotification[] notices = c.unwrap(PGConnection.class).getNotifications(millis);
        return notices == null ? List.of() : List.of(notices);
    }
}
