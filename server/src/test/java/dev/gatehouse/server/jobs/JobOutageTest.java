package dev.gatehouse.server.jobs;

import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PostgreSQL stopped in the middle of a burst: a server this test starts, stops and starts again (never the machine's).
 * Intake keeps answering 202 from the node's disk, and every job that got one is in PostgreSQL once it is back.
 */
class JobOutageTest {
    @TempDir
    Path dir;

    EmbeddedPostgres postgres;
    GatewayNode node;
    int port;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    void startPostgres() throws Exception {
        postgres = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("pg")).setCleanDataDirectory(false).setPort(port).start();
    }

    String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
    }

    GatewayNode node(String spool) {
        return TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 2}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 4, connectionTimeout: 500ms}}
                observability: {accessLog: "off"}
                logs: {enabled: false}
                upstreams:
                  llm: {targets: [{url: "http://127.0.0.1:9"}]}
                routes:
                  - {name: gen, match: {prefix: /gen}, upstream: llm, auth: {mode: required}, async: {queue: gen}}
                jobs: {spoolDir: "%s", %s queues: {gen: {workers: 0}}}
                """.formatted(url(), dir.resolve("job-spool"), spool));
    }

    HttpResponse<String> submit(String key, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + "/gen"))
                .header("X-API-Key", key).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    long stored(Set<String> ids) throws Exception {
        try (Connection c = DriverManager.getConnection(url()); PreparedStatement s = c.prepareStatement("""
                SELECT count(*) FROM unnest(?::uuid[]) AS i(id)
                WHERE EXISTS (SELECT 1 FROM jobs WHERE jobs.id = i.id) OR EXISTS (SELECT 1 FROM job_aliases WHERE alias = i.id)""")) {
            s.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    @Test
    void shouldLoseNoJobThatGotA202WhenPostgresStopsInTheMiddleOfABurst() throws Exception {
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        startPostgres();
        node = node("");
        String key = node.identities().keys().create("burst", "free", List.of(), null, null).key();
        assertThat(submit(key, "{\"warm\":true}").statusCode()).as("the key is known (and cached) before the outage").isEqualTo(202);

        Set<String> accepted = ConcurrentHashMap.newKeySet();
        Set<String> spooled = ConcurrentHashMap.newKeySet();
        AtomicInteger refused = new AtomicInteger();
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicInteger sequence = new AtomicInteger();
        ExecutorService senders = Executors.newFixedThreadPool(6);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            running.add(senders.submit(() -> {
                while (sending.get()) {
                    HttpResponse<String> r = submit(key, "{\"n\":" + sequence.incrementAndGet() + "}");
                    if (r.statusCode() == 202) {
                        JsonObject body = new JsonObject(r.body());
                        accepted.add(body.getString("jobId"));
                        if (body.getString("status").equals("accepted")) {
                            spooled.add(body.getString("jobId"));
                        }
                    } else {
                        refused.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> accepted.size() >= 200);
            postgres.close(); // mid-burst
            postgres = null;
            await().atMost(Duration.ofSeconds(60)).until(() -> spooled.size() >= 200);
            String waiting = spooled.iterator().next();
            HttpResponse<String> polled = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + "/api/v1/jobs/" + waiting))
                    .header("X-API-Key", key).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(polled.statusCode()).isEqualTo(200);
            assertThat(new JsonObject(polled.body()).getString("status")).as("kept on disk, not yet queued").isEqualTo("accepted");
            HttpResponse<String> once = submit(key, "{\"idem\":1}", "Idempotency-Key", "outage-1");
            HttpResponse<String> again = submit(key, "{\"idem\":1}", "Idempotency-Key", "outage-1");
            assertThat(new JsonObject(again.body()).getString("jobId")).as("a retry while PostgreSQL is away gets the same job")
                    .isEqualTo(new JsonObject(once.body()).getString("jobId"));
            accepted.add(new JsonObject(once.body()).getString("jobId"));
            startPostgres();
            await().atMost(Duration.ofSeconds(60)).until(() -> accepted.size() >= spooled.size() + 400);
        } finally {
            sending.set(false);
            for (Future<?> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
            senders.shutdown();
        }
        assertThat(refused.get()).as("refused while the spool had room").isZero();
        await().atMost(Duration.ofSeconds(60)).until(() -> stored(accepted) == accepted.size());
        assertThat(node.metrics().scrape()).contains("gatehouse_jobs_spool_stored_total");
        await().atMost(Duration.ofSeconds(10)).until(() -> node.jobs().records().find(java.util.UUID.fromString(spooled.iterator().next())).isPresent());
    }

    @Test
    void shouldAnswer503WithRetryAfterOnlyWhenThereIsNoRoomOnDiskEither() throws Exception {
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        startPostgres();
        node = node("spoolMaxBytes: 0,");
        String key = node.identities().keys().create("full", "free", List.of(), null, null).key();
        assertThat(submit(key, "{}").statusCode()).isEqualTo(202);
        postgres.close();
        postgres = null;
        HttpResponse<String> refused = submit(key, "{}");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("retry-after")).isPresent();
        assertThat(refused.body()).contains("urn:gatehouse:problem:jobs-unavailable").contains("no room left");
    }
}
