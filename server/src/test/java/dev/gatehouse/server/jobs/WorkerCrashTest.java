package dev.gatehouse.server.jobs;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.sample.ThirdPartyMock;
import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.server.cli.GatehouseCommand;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Workers in processes of their own, killed with -9 while they hold jobs, again and again: no job is lost, and each
 * takes effect once at the third party (which deduplicates by the job's idempotency key), within its windows.
 */
class WorkerCrashTest {
    @TempDir
    Path dir;

    Vertx vertx;
    TestDatabase database;
    GatewayNode intake;
    final List<Process> workers = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : workers) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        if (intake != null) {
            intake.close();
        }
        vertx.close();
        database.close();
    }

    String config(int mockPort, int workerCount) {
        return """
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 4}}
                observability: {accessLog: "off"}
                logs: {enabled: false}
                upstreams:
                  llm:
                    targets: [{url: "http://127.0.0.1:%d"}]
                    quota: {limits: [12/s, 500/min], target: 90%%}
                routes:
                  - {name: gen, match: {prefix: /gen}, upstream: llm, rewrite: /third-party/generate, auth: {mode: required}, async: {queue: gen}}
                jobs: {queues: {gen: {workers: %d, timeout: 1s, lease: 2s, backoff: [100ms, 100ms, 100ms]}}}
                """.formatted(database.jdbcUrl(), mockPort, workerCount);
    }

    /** A worker node in a JVM of its own; returns once it serves, with its node id. */
    String startWorker(Path config, int n) throws Exception {
        Path output = dir.resolve("worker-" + n + ".out");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), GatehouseCommand.class.getName(), "serve", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        process.toHandle();
        workers.add(process);
        Pattern started = Pattern.compile("node (\\S+) serving");
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                .failFast("worker " + n + " exited", () -> assertThat(process.isAlive()).as(Files.readString(output)).isTrue())
                .until(() -> started.matcher(Files.readString(output)).find());
        Matcher id = started.matcher(Files.readString(output));
        assertThat(id.find()).isTrue();
        return id.group(1);
    }

    long count(String sql) throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    @Test
    void shouldLoseNoJobAndApplyEachOnceWhileWorkerProcessesAreKilledWithSignalNine() throws Exception {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        ThirdPartyMock mock = new ThirdPartyMock(List.of(ThirdPartyMock.Window.parse("12/s"), ThirdPartyMock.Window.parse("500/min")),
                Clock.system()::read);
        int mockPort = ThirdPartyMock.listen(vertx, mock).toCompletionStage().toCompletableFuture().get().actualPort();
        intake = TestNodes.start(config(mockPort, 0));
        Path workerConfig = dir.resolve("worker.yaml");
        Files.writeString(workerConfig, config(mockPort, 3));
        String key = intake.identities().keys().create("client", "free", List.of(), null, null).key();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 90; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + intake.gatewayPort() + "/gen"))
                    .header("X-API-Key", key).POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + i + "}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(202);
            ids.add(new JsonObject(r.body()).getString("jobId"));
        }

        int started = 0;
        int kills = 0;
        String running = startWorker(workerConfig, ++started);
        // kill each worker while it holds jobs, once it has finished a few, until the queue is empty
        while (count("SELECT count(*) FROM jobs WHERE state = 'succeeded'") < ids.size() && kills < 5) {
            long before = count("SELECT count(*) FROM jobs WHERE state = 'succeeded'");
            String node = running;
            boolean caught = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() ->
                    count("SELECT count(*) FROM jobs WHERE state = 'succeeded'") >= Math.min(ids.size(), before + 10)
                            && count("SELECT count(*) FROM jobs WHERE state = 'running' AND leased_by LIKE '" + node + "/%'") > 0
                            || count("SELECT count(*) FROM jobs WHERE state = 'succeeded'") == ids.size(), done -> done);
            if (count("SELECT count(*) FROM jobs WHERE state = 'succeeded'") == ids.size()) {
                break;
            }
            assertThat(caught).isTrue();
            Process victim = workers.get(workers.size() - 1);
            victim.destroyForcibly(); // kill -9, holding leases
            assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
            kills++;
            running = startWorker(workerConfig, ++started);
        }
        await().atMost(Duration.ofMinutes(2)).until(() -> count("SELECT count(*) FROM jobs WHERE state = 'succeeded'") == ids.size());
        assertThat(kills).as("workers killed mid-work").isGreaterThanOrEqualTo(3);
        assertThat(count("SELECT count(*) FROM jobs WHERE state <> 'succeeded'")).as("none lost, none dead").isZero();
        assertThat(mock.effects()).as("each job took effect at the third party, once").containsExactlyInAnyOrderElementsOf(ids);
        JsonObject stats = mock.stats();
        assertThat(stats.getLong("refused")).as("no window crossed: " + stats).isZero();
        assertThat(stats.getLong("calls")).as("delivered at least once each").isGreaterThanOrEqualTo(ids.size());
    }
}
