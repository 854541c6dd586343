package dev.gatehouse.shortener;

import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An instance's JVM killed with -9: the clicks it had flushed are all there, the ones it held in memory (fewer than
 * {@code --click-flush-at}) are lost, none is counted twice, and a clean stop loses nothing. The instances run as
 * processes of their own ({@link ShortenerMain}), flushing by count only (the interval is an hour), so what a kill
 * loses is set by the clicks sent, not by timing.
 */
class ClickLossAfterKillTest {
    static final int FLUSH_AT = 100;
    private static final Pattern PENDING = Pattern.compile("gatehouse_cache_writebehind_pending\\{counters=\"clicks\"} ([0-9.E]+)");

    @TempDir
    Path dir;

    private final TestDatabase database = TestPostgres.newDatabase();
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        database.close();
    }

    /** Starts an instance in a JVM of its own and waits until it is ready; its port. */
    int start(String name) throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path log = dir.resolve(name + ".log");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), ShortenerMain.class.getName(),
                "--port", Integer.toString(port), "--instance-id", name, "--jdbc-url", database.jdbcUrl(), "--public-url", "http://sho.rt",
                "--event-loops", "1", "--click-flush-interval-ms", "3600000", "--click-flush-at", Integer.toString(FLUSH_AT), "--warm-links", "0",
                "--parent-pid", Long.toString(ProcessHandle.current().pid()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(process);
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                .failFast("the instance exited", () -> assertThat(process.isAlive()).as(Files.readString(log)).isTrue())
                .until(() -> status(port, "/health/ready") == 200);
        return port;
    }

    Process process(int index) {
        return processes.get(index);
    }

    int status(int port, String path) {
        try {
            return send(port, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5))).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    HttpResponse<String> send(int port, HttpRequest.Builder request) throws IOException {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    long stored() throws Exception {
        try (Connection c = database.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT coalesce(sum(clicks), 0) FROM shortener.clicks_daily")) {
            r.next();
            return r.getLong(1);
        }
    }

    long pending(int port) throws IOException {
        String metrics = send(port, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))).body();
        Matcher m = PENDING.matcher(metrics);
        assertThat(m.find()).as(metrics).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    static void killHard(Process process) throws InterruptedException {
        process.destroyForcibly(); // SIGKILL: no shutdown hook, no last flush
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aKilledInstanceLosesOnlyTheClicksItHeldInMemoryAndACleanStopLosesNone() throws Exception {
        int first = start("links-1");
        HttpResponse<String> created = send(first, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first + "/api/v1/links"))
                .header("content-type", "application/json").header("X-Gatehouse-Subject", "key:owner")
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("url", "https://example.com/kill").encode())));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String path = "/" + new JsonObject(created.body()).getString("code");

        // 250 clicks: two batches of 100 are written as they fill up, 50 wait in memory
        for (int i = 0; i < 250; i++) {
            assertThat(status(first, path)).isEqualTo(302);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> stored() == 200);
        long heldInMemory = pending(first);
        assertThat(heldInMemory).isEqualTo(50).isLessThan(FLUSH_AT);
        killHard(process(0));

        int second = start("links-2");
        assertThat(stored()).as("what was flushed survived; exactly what was held in memory is lost").isEqualTo(250 - heldInMemory);

        // under concurrent load: killed while batches are being written
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong sent = new AtomicLong();
        List<Thread> clients = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread client = new Thread(() -> {
                while (running.get()) {
                    sent.incrementAndGet();
                    if (status(second, path) != 302) {
                        return; // the instance is gone
                    }
                }
            });
            clients.add(client);
            client.start();
        }
        await().atMost(Duration.ofMinutes(1)).until(() -> stored() >= 200 + 1000);
        long committedBeforeKill = stored();
        killHard(process(1));
        running.set(false);
        for (Thread client : clients) {
            client.join(30_000);
        }
        int third = start("links-3");
        long afterKill = stored();
        assertThat(afterKill).as("nothing already in PostgreSQL was lost").isGreaterThanOrEqualTo(committedBeforeKill);
        assertThat(afterKill - 200).as("no click counted twice").isLessThanOrEqualTo(sent.get());

        // a clean stop (SIGTERM) flushes what it holds
        for (int i = 0; i < 30; i++) {
            assertThat(status(third, path)).isEqualTo(302);
        }
        process(2).destroy();
        assertThat(process(2).waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(stored()).isEqualTo(afterKill + 30);
    }
}
