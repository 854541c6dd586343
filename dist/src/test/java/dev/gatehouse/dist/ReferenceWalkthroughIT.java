package dev.gatehouse.dist;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reference walkthrough's {@code curl} commands (the scalable-API reference README this project's demo stands
 * in for), copied as that README writes them, run with bash against the real demo, each checked for what the
 * reference says it gives; and who may use the admin views the walkthrough calls. The demo runs on free ports: the
 * reference's {@code localhost:8080} and {@code localhost:3000} are replaced by them, and its {@code <token>} by the
 * token its login command returned; nothing else is changed.
 */
class ReferenceWalkthroughIT {

    @TempDir
    static Path dir;

    static DemoProcess demo;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static String token;

    @BeforeAll
    static void startDemo() throws IOException {
        demo = new DemoProcess(dir).start();
    }

    @AfterAll
    static void stopDemo() throws Exception {
        if (demo != null) {
            demo.stop();
        }
    }

    /** A command of the reference README, as written there, and what it gives. */
    private record Step(String section, String command, Consumer<String> outcome) {
    }

    private static List<Step> reference() {
        return List.of(
                new Step("Authentication", """
                        curl -X POST http://localhost:8080/api/v1/auth/login \\
                          -H "Content-Type: application/json" \\
                          -d '{"email": "admin@example.com", "password": "admin123"}'""", out -> {
                    // Response: {"token": "...", "user": {...}}
                    JsonObject body = new JsonObject(out);
                    token = body.getString("token");
                    assertThat(token).startsWith("gh_sess_");
                    assertThat(body.getJsonObject("user").getString("email")).isEqualTo("admin@example.com");
                }),
                new Step("Authentication", """
                        curl http://localhost:8080/api/v1/me \\
                          -H "Authorization: Bearer <token>\"""", out -> {
                    JsonObject me = new JsonObject(out);
                    assertThat(me.getString("email")).isEqualTo("admin@example.com");
                    assertThat(me.getString("role")).isEqualTo("admin");
                }),
                new Step("Resources API", "curl http://localhost:8080/api/v1/resources", out ->
                        assertThat(new JsonObject(out).getJsonArray("resources")).isNotEmpty()),
                new Step("Resources API", "curl http://localhost:8080/api/v1/resources/1", out ->
                        assertThat(new JsonObject(out).getLong("id")).isEqualTo(1)),
                new Step("Resources API", """
                        curl -X POST http://localhost:8080/api/v1/resources \\
                          -H "Authorization: Bearer <token>" \\
                          -H "Content-Type: application/json" \\
                          -d '{"name": "New Resource", "type": "document"}'""", out -> {
                    JsonObject created = new JsonObject(out);
                    assertThat(created.getString("name")).isEqualTo("New Resource");
                    assertThat(created.getString("type")).isEqualTo("document");
                    assertThat(created.getLong("id")).isPositive();
                }),
                new Step("Admin Endpoints", """
                        curl http://localhost:8080/api/v1/admin/dashboard \\
                          -H "Authorization: Bearer <token>\"""", out -> {
                    JsonObject dashboard = new JsonObject(out);
                    assertThat(dashboard.getMap()).containsKeys("totals", "requestRate", "latencyMs", "errorRate", "rateLimited", "cacheHitRatio");
                    assertThat(dashboard.getJsonObject("latencyMs").getMap()).containsKeys("p50", "p95", "p99");
                    assertThat(dashboard.getJsonObject("upstreams").getJsonObject("api").getInteger("healthy")).isEqualTo(3);
                    assertThat(dashboard.getJsonObject("circuitBreakers").getJsonArray("api")).hasSize(3);
                }),
                new Step("Admin Endpoints", """
                        curl http://localhost:8080/api/v1/admin/circuit-breakers \\
                          -H "Authorization: Bearer <token>\"""", out ->
                        assertThat(breakers(out)).hasSize(3).allSatisfy(b -> assertThat(b.getString("state")).isEqualTo("CLOSED"))),
                new Step("Admin Endpoints", """
                        curl -X POST http://localhost:8080/api/v1/admin/cache/clear \\
                          -H "Authorization: Bearer <token>\"""", out ->
                        assertThat(new JsonObject(out).getBoolean("cleared")).isTrue()),
                new Step("Health & Metrics", "curl http://localhost:8080/health", out ->
                        assertThat(new JsonObject(out).getString("status")).isEqualTo("UP")),
                new Step("Health & Metrics", "curl http://localhost:3000/lb/status", out -> {
                    JsonArray instances = new JsonObject(out).getJsonArray("instances");
                    assertThat(instances).hasSize(3);
                    instances.forEach(i -> {
                        assertThat(((JsonObject) i).getBoolean("healthy")).isTrue();
                        assertThat(((JsonObject) i).getString("circuitBreaker")).isEqualTo("CLOSED");
                    });
                }),
                new Step("Health & Metrics", "curl http://localhost:8080/metrics", out ->
                        assertThat(out).contains("# TYPE gatehouse_requests_seconds histogram", "gatehouse_upstream_healthy{")),
                new Step("Test Load Balancing", """
                        for i in {1..10}; do
                          curl -s http://localhost:3000/api/v1/status | jq -r '.instanceId'
                        done""", out -> {
                    List<String> instances = Arrays.asList(out.strip().split("\n"));
                    assertThat(instances).as("requests distributed across instances").hasSize(10)
                            .containsOnly("api-1", "api-2", "api-3").contains("api-1", "api-2", "api-3");
                }),
                new Step("Test Circuit Breaker", """
                        for i in {1..20}; do
                          curl -s http://localhost:8080/api/v1/external | jq -r '.data // .error'
                          sleep 0.5
                        done""", out -> {
                    externalFailures = (int) out.lines().filter(l -> l.equals("external service unavailable")).count();
                    assertThat(out).as("a data object or an error for each call").contains("external");
                }),
                new Step("Test Circuit Breaker", """
                        curl http://localhost:8080/api/v1/admin/circuit-breakers \\
                          -H "Authorization: Bearer admin-token-dev\"""", out -> {
                    List<JsonObject> breakers = breakers(out);
                    assertThat(breakers).hasSize(3);
                    assertThat(breakers.stream().mapToLong(b -> b.getLong("failures")).sum())
                            .as("the external service's failures, counted against the instances that gave them").isGreaterThanOrEqualTo(externalFailures);
                }),
                new Step("Test Caching", "time curl -s http://localhost:8080/api/v1/resources/1 > /dev/null", out -> assertThat(out).isEmpty()),
                new Step("Test Caching", "time curl -s http://localhost:8080/api/v1/resources/1 > /dev/null", out -> assertThat(out).isEmpty()),
                new Step("Test Caching", """
                        curl http://localhost:8080/api/v1/admin/cache \\
                          -H "Authorization: Bearer admin-token-dev\"""", out -> {
                    JsonObject stats = new JsonObject(out);
                    assertThat(stats.getLong("entries")).as("the first request stored it").isPositive();
                    assertThat(stats.getLong("hits")).as("the second was a hit").isPositive();
                }));
    }

    private static int externalFailures;

    private static List<JsonObject> breakers(String out) {
        return new JsonObject(out).getJsonArray("api").stream().map(JsonObject.class::cast).toList();
    }

    private static String asWritten(String command) {
        return command.replace("localhost:8080", "localhost:" + demo.gatewayPort).replace("localhost:3000", "localhost:" + demo.lbPort)
                .replace("<token>", token == null ? "<token>" : token);
    }

    /** Runs a command with bash, as a user pasting it would; its standard output. */
    private static String bash(String command) throws IOException, InterruptedException {
        Path stderr = dir.resolve("stderr.txt");
        Process process = new ProcessBuilder("bash", "-c", "set -o pipefail; " + command).redirectError(stderr.toFile()).start();
        String out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as("exit code of: " + command + "\n" + out + Files.readString(stderr)).isZero();
        return out;
    }

    @Test
    void theReferenceWalkthroughsCommandsGiveWhatTheReferenceSaysAgainstTheDemo() throws Exception {
        for (Step step : reference()) {
            String out = bash(asWritten(step.command()));
            try {
                step.outcome().accept(out);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(step.section() + ": " + step.command() + "\ngave: " + out, e);
            }
        }
    }

    @Test
    void theAdminViewsAre401WithoutACredential403ForAUserAnd200ForAnAdminSessionOrAdminKey() throws Exception {
        String admin = login("admin@example.com", "admin123");
        String user = login("user@example.com", "user123");
        HttpResponse<String> created = send("POST", demo.admin() + "/keys", "{\"name\": \"reports\", \"scopes\": [\"reports:read\"]}",
                "x-api-key", "admin-token-dev", "content-type", "application/json");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String plainKey = new JsonObject(created.body()).getString("key");
        HttpResponse<String> createdAdmin = send("POST", demo.admin() + "/keys", "{\"name\": \"ops\", \"scopes\": [\"admin\"]}",
                "x-api-key", "admin-token-dev", "content-type", "application/json");
        String adminKey = new JsonObject(createdAdmin.body()).getString("key");

        Map<String, String[]> callers = new LinkedHashMap<>();
        callers.put("no credential", new String[0]);
        callers.put("a user's session", new String[]{"authorization", "Bearer " + user});
        callers.put("a key without the admin scope", new String[]{"authorization", "Bearer " + plainKey});
        callers.put("an admin's session", new String[]{"authorization", "Bearer " + admin});
        callers.put("the demo's admin token", new String[]{"authorization", "Bearer admin-token-dev"});
        callers.put("an admin-scoped key", new String[]{"x-api-key", adminKey});
        Map<String, Integer> expected = Map.of("no credential", 401, "a user's session", 403, "a key without the admin scope", 403,
                "an admin's session", 200, "the demo's admin token", 200, "an admin-scoped key", 200);
        for (String view : List.of("GET /api/v1/admin/dashboard", "GET /api/v1/admin/circuit-breakers", "GET /api/v1/admin/cache",
                "POST /api/v1/admin/cache/clear")) {
            String[] methodAndPath = view.split(" ");
            callers.forEach((who, headers) -> {
                HttpResponse<String> answer = send(methodAndPath[0], demo.gateway() + methodAndPath[1], null, headers);
                assertThat(answer.statusCode()).as(view + " for " + who + ": " + answer.body()).isEqualTo(expected.get(who));
                assertThat(answer.headers().firstValue("content-type"))
                        .hasValue(answer.statusCode() == 200 ? "application/json" : "application/problem+json");
            });
        }
    }

    private static String login(String email, String password) {
        HttpResponse<String> response = send("POST", demo.gateway() + "/api/v1/auth/login",
                "{\"email\": \"" + email + "\", \"password\": \"" + password + "\"}", "content-type", "application/json");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new JsonObject(response.body()).getString("token");
    }

    private static HttpResponse<String> send(String method, String url, String body, String... headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (headers.length > 0) {
                request.headers(headers);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
