package dev.gatehouse.server.cli;

import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A node stopped with SIGTERM, as Kubernetes stops a pod: readiness says DOWN at once while it keeps serving for
 * {@code gateway.shutdown.delay}, a steady load that stops sending once it sees that (as a load balancer would)
 * loses no request, a request under way when the listener closes still gets its answer, and the process exits 0.
 */
class GracefulStopTest {

    private static final Pattern PORTS = Pattern.compile(" on [^:\\s]+:(\\d+) \\(admin [^:\\s]+:(\\d+)\\)");

    @Test
    void aNodeToldToStopDrainsWithoutFailingARequestAndExitsZero(@TempDir Path dir) throws Exception {
        Vertx vertx = Vertx.vertx();
        List<HttpServerRequest> held = new CopyOnWriteArrayList<>();
        HttpServer upstream = vertx.createHttpServer().requestHandler(request -> {
            if (request.path().startsWith("/slow")) {
                held.add(request); // answered when the test says so
            } else {
                request.response().end("ok");
            }
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        try (TestDatabase database = TestPostgres.newDatabase()) {
            Path config = dir.resolve("gatehouse.yaml");
            Files.writeString(config, """
                    gateway: {host: 127.0.0.1, port: 0, instances: 1, shutdown: {delay: 4s, timeout: 30s}}
                    admin: {port: 0}
                    storage: {postgres: {url: "%s", poolSize: 2}}
                    logs: {enabled: false}
                    upstreams: {svc: {targets: [{url: "http://127.0.0.1:%d"}]}}
                    routes: [{name: svc, match: {prefix: /}, upstream: svc}]
                    """.formatted(database.jdbcUrl(), upstream.actualPort()));
            Path output = dir.resolve("node.out");
            Process node = CliProcess.start(Map.of("GATEHOUSE_LOG_LEVEL", "INFO"), output, "serve", "--config", config.toString());
            try {
                await().atMost(Duration.ofMinutes(2)).failFast("the node exited", () -> !node.isAlive())
                        .until(() -> PORTS.matcher(Files.readString(output)).find());
                Matcher ports = PORTS.matcher(Files.readString(output));
                assertThat(ports.find()).isTrue();
                int gateway = Integer.parseInt(ports.group(1));
                int admin = Integer.parseInt(ports.group(2));
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

                // a steady load over keep-alive connections, until the load balancer (the test) sees the node is not ready
                AtomicBoolean balancerSawNotReady = new AtomicBoolean();
                AtomicBoolean signalled = new AtomicBoolean();
                AtomicInteger answered = new AtomicInteger();
                AtomicInteger answeredAfterSignal = new AtomicInteger();
                ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                List<Thread> clients = new java.util.ArrayList<>();
                for (int c = 0; c < 3; c++) {
                    Thread client = new Thread(() -> {
                        while (!balancerSawNotReady.get()) {
                            try {
                                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway + "/api"))
                                        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
                                if (response.statusCode() != 200) {
                                    failures.add(response.statusCode() + " " + response.body());
                                }
                                answered.incrementAndGet();
                                if (signalled.get()) {
                                    answeredAfterSignal.incrementAndGet();
                                }
                            } catch (Exception e) {
                                failures.add(e.toString());
                            }
                        }
                    });
                    client.start();
                    clients.add(client);
                }
                // and one long request, under way when the listener stops taking connections
                CompletableFuture<HttpResponse<String>> slow = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway + "/slow"))
                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
                await().atMost(Duration.ofSeconds(30)).until(() -> held.size() == 1 && answered.get() >= 50);

                signalled.set(true);
                node.destroy(); // SIGTERM
                HttpClient balancer = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    HttpResponse<String> ready = balancer.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/health/ready")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(ready.statusCode()).isEqualTo(503);
                    assertThat(ready.body()).contains("\"node\":\"DRAINING\"");
                });
                balancerSawNotReady.set(true);
                for (Thread client : clients) {
                    client.join(30_000);
                }
                assertThat(answeredAfterSignal.get()).as("the node kept serving after SIGTERM while it was being taken out").isPositive();

                // then it takes no new connection, but waits for the request under way
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThatThrownBy(() -> new Socket("127.0.0.1", gateway).close()).isInstanceOf(ConnectException.class));
                assertThat(node.isAlive()).as("still waiting for the request under way").isTrue();
                held.get(0).response().end("finally");
                assertThat(slow.get(30, TimeUnit.SECONDS).body()).isEqualTo("finally");

                assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(node.exitValue()).as(Files.readString(output)).isZero();
                assertThat(failures).as("requests that failed while the node stopped").isEmpty();
                assertThat(Files.readString(output)).contains("draining: readiness is DOWN").contains("drained in");
            } finally {
                node.destroyForcibly();
                node.waitFor(30, TimeUnit.SECONDS);
            }
        } finally {
            vertx.close();
        }
    }
}
