package dev.gatehouse.dist;

import io.vertx.core.json.JsonArray;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Runs {@code java -jar gatehouse.jar demo} as a user would and walks through it, including an instance killed with -9. */
class DemoIT {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process demo;
    private Path output;

    @AfterEach
    void stopDemo() throws Exception {
        if (demo != null && demo.isAlive()) {
            List<ProcessHandle> children = demo.descendants().toList();
            demo.destroy();
            assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("the demo stops on SIGTERM").isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
            String log = Files.readString(output);
            // PostgreSQL stops after the node that uses it, so nothing on the way out loses its connection
            assertThat(log.substring(log.indexOf("Stopping the demo"))).as("a quiet stop").doesNotContain(" WARN ", " ERROR ");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private HttpResponse<String> request(String method, String url, String body, String... headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (headers.length > 0) {
                request.headers(headers);
            }
            if (body != null) {
                request.header("content-type", "application/json");
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A logged-in admin (enterprise tier), so the load below is not limited to the anonymous 100 a minute. */
    private String token;

    private int status(String url) {
        HttpResponse<String> response = token == null ? request("GET", url, null) : request("GET", url, null, "Authorization", "Bearer " + token);
        return response == null ? -1 : response.statusCode();
    }

    @Test
    void theDemoServesTheWalkthroughAndSurvivesAnInstanceKilledWithSignalNine(@TempDir Path dir) throws Exception {
        int gatewayPort = freePort();
        int adminPort = freePort();
        int lbPort = freePort();
        List<Integer> samplePorts = List.of(freePort(), freePort(), freePort());
        Path jar = Path.of("target", "gatehouse.jar").toAbsolutePath();
        output = dir.resolve("demo.out");
        demo = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(), "demo",
                "--port", String.valueOf(gatewayPort), "--admin-port", String.valueOf(adminPort), "--lb-port", String.valueOf(lbPort),
                "--sample-ports", samplePorts.get(0) + "," + samplePorts.get(1) + "," + samplePorts.get(2),
                "--data-dir", dir.resolve("data").toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        String gateway = "http://127.0.0.1:" + gatewayPort;
        String admin = "http://127.0.0.1:" + adminPort;

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .failFast("the demo exited: " + output, () -> !demo.isAlive())
                .until(() -> status(gateway + "/api/v1/status") == 200);
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(Files.readString(output))
                .contains("Gatehouse demo is running.", "curl " + "http://localhost:" + gatewayPort + "/api/v1/status",
                        "dashboard       http://localhost:" + adminPort + "/   (sign in as admin@example.com / admin123"));
        // the dashboard comes from the jar itself, and the demo's admin signs in on the admin listener
        HttpResponse<String> page = request("GET", admin + "/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("/dashboard/app.js");
        assertThat(status(admin + "/dashboard/vendor/uplot/uPlot.esm.js")).as("the charting library inside the jar").isEqualTo(200);
        assertThat(request("POST", admin + "/auth/login", "{\"email\": \"admin@example.com\", \"password\": \"admin123\"}").statusCode())
                .isEqualTo(200);

        // the walkthrough
        assertThat(request("GET", gateway + "/api/v1/resources/1", null).body()).contains("\"id\":1");
        assertThat(request("GET", gateway + "/api/v1/resources/1", null).headers().firstValue("x-cache"))
                .as("the demo caches resource reads").hasValue("HIT-L1");
        assertThat(request("POST", gateway + "/api/v1/resources", "{\"name\": \"New Resource\", \"type\": \"document\"}").statusCode())
                .as("writing needs a login").isEqualTo(401);
        HttpResponse<String> login = request("POST", gateway + "/api/v1/auth/login", "{\"email\": \"admin@example.com\", \"password\": \"admin123\"}");
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        token = new JsonObject(login.body()).getString("token");
        HttpResponse<String> created = request("POST", gateway + "/api/v1/resources", "{\"name\": \"New Resource\", \"type\": \"document\"}",
                "Authorization", "Bearer " + token);
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(new JsonObject(request("GET", gateway + "/api/v1/me", null, "Authorization", "Bearer " + token).body()).getString("role"))
                .isEqualTo("admin");
        assertThat(request("GET", gateway + "/api/v1/status", null).headers().firstValue("x-ratelimit-limit")).hasValue("100");
        assertThat(status(gateway + "/api/v1/external")).isIn(200, 503);
        assertThat(status(gateway + "/not-routed")).isEqualTo(404);
        assertThat(request("GET", admin + "/metrics", null).body()).contains("gatehouse_requests_seconds_count{route=\"api\"");

        Set<String> instances = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            instances.add(new JsonObject(request("GET", gateway + "/api/v1/status", null, "Authorization", "Bearer " + token).body())
                    .getString("instanceId"));
        }
        assertThat(instances).containsExactlyInAnyOrder("api-1", "api-2", "api-3");

        ProcessHandle victim = demo.descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("--instance-id api-2"))
                .findFirst().orElseThrow();
        // as the README has it: the instance is killed while requests keep coming, some of them under way on it
        List<Integer> failed = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CountDownLatch underWay = new java.util.concurrent.CountDownLatch(40);
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(4);
        for (int c = 0; c < 4; c++) {
            clients.execute(() -> {
                for (int i = 0; i < 100; i++) {
                    int status = status(gateway + "/api/v1/status");
                    if (status != 200) {
                        failed.add(status); // -1: no answer at all
                    }
                    underWay.countDown();
                }
            });
        }
        underWay.await();
        victim.destroyForcibly();
        clients.shutdown();
        assertThat(clients.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
        assertThat(failed).as("GETs that failed while an instance was killed (the README promises none)").isEmpty();

        // the demo restarts it and health checks bring it back into rotation
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
            JsonArray targets = new JsonObject(request("GET", admin + "/upstreams", null).body())
                    .getJsonObject("api").getJsonArray("targets");
            assertThat(targets.stream().map(JsonObject.class::cast)
                    .filter(t -> t.getString("target").endsWith(":" + samplePorts.get(1)))
                    .findFirst().orElseThrow().getBoolean("usable")).isTrue();
        });
        await().atMost(Duration.ofSeconds(30)).until(() ->
                "api-2".equals(new JsonObject(request("GET", gateway + "/api/v1/status", null, "Authorization", "Bearer " + token).body())
                        .getString("instanceId")));
    }
}
