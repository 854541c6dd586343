package dev.gatehouse.dist;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every command of the README's quick start, in the order written, against the real demo, and checks
 * each one's documented outcome. The demo runs on free ports: {@code localhost:8080}, {@code :8081} and
 * {@code :3000} in the commands are replaced by them, and nothing else is changed. A command the README gains or loses fails the
 * test until its outcome is written down here.
 */
class ReadmeWalkthroughIT {

    @TempDir
    Path dir;

    private DemoProcess demo;
    private ReadmeCommands readme;

    @AfterEach
    void stopDemo() throws Exception {
        if (demo != null) {
            demo.stop();
        }
    }

    /** A README command and what the README says it does, checked on its standard output. */
    private record Step(String command, Consumer<String> outcome) {
    }

    private List<Step> documented() {
        return List.of(
                new Step("./gatehouse demo", out -> { }),
                new Step("./mvnw verify", out -> { }),
                new Step("curl http://localhost:8080/api/v1/status", out ->
                        assertThat(new JsonObject(out).getString("status")).isEqualTo("ok")),
                new Step("curl http://localhost:8080/api/v1/resources/1", out ->
                        assertThat(new JsonObject(out).getLong("id")).isEqualTo(1)),
                new Step("curl http://localhost:8080/api/v1/external", out -> {
                    JsonObject body = new JsonObject(out);
                    assertThat(body.containsKey("data") || "external service unavailable".equals(body.getString("error"))).as(out).isTrue();
                }),
                new Step("curl http://localhost:8081/upstreams", out ->
                        assertThat(new JsonObject(out).getJsonObject("api").getJsonArray("targets")).hasSize(3)),
                new Step("curl -s http://localhost:8081/metrics | grep gatehouse_requests", out ->
                        assertThat(out).contains("gatehouse_requests_seconds_count{")),
                new Step("curl http://localhost:8080/health", out ->
                        assertThat(new JsonObject(out).getString("status")).isEqualTo("UP")),
                new Step("curl http://localhost:3000/lb/status", out ->
                        assertThat(new JsonObject(out).getJsonArray("instances")).hasSize(3)),
                new Step("curl http://localhost:8080/api/v1/admin/dashboard -H 'Authorization: Bearer admin-token-dev'", out -> {
                    JsonObject dashboard = new JsonObject(out);
                    assertThat(dashboard.getJsonObject("totals").getMap()).containsKey("requests");
                    assertThat(dashboard.getJsonObject("upstreams").getJsonObject("api").getJsonArray("targets")).hasSize(3);
                }),
                new Step("TOKEN=$(curl -s -X POST http://localhost:8080/api/v1/auth/login", out ->
                        assertThat(readme.variable("TOKEN")).startsWith("gh_sess_")),
                new Step("curl http://localhost:8080/api/v1/me -H \"Authorization: Bearer $TOKEN\"", out -> {
                    JsonObject me = new JsonObject(out);
                    assertThat(me.getString("email")).isEqualTo("admin@example.com");
                    assertThat(me.getString("role")).isEqualTo("admin");
                    assertThat(me.getString("tier")).isEqualTo("enterprise");
                }),
                new Step("curl -X POST http://localhost:8080/api/v1/resources -H \"Authorization: Bearer $TOKEN\"", out ->
                        assertThat(new JsonObject(out).getString("name")).isEqualTo("New Resource")),
                new Step("for i in $(seq 1 150); do curl", out -> {
                    Map<String, Integer> counts = ReadmeCommands.counts(out);
                    assertThat(counts.keySet()).as("the loop ends in 429s: " + out).containsExactlyInAnyOrder("200", "429");
                    // 100 a minute as GCRA allows it: a burst of 100, then one more every 0.6 s while the loop runs
                    assertThat(counts.get("200")).as("anonymous callers get 100 a minute").isBetween(99, 130);
                }));
    }

    private String asWritten(String command) {
        return command.replace("localhost:8080", "localhost:" + demo.gatewayPort).replace("localhost:8081", "localhost:" + demo.adminPort)
                .replace("localhost:3000", "localhost:" + demo.lbPort);
    }

    @Test
    void everyCommandOfTheQuickStartWorksAsWrittenInTheOrderWritten() throws Exception {
        List<String> commands = ReadmeCommands.of("## Quick start");
        readme = new ReadmeCommands(dir, this::asWritten);
        List<Step> steps = documented();
        assertThat(commands).as("the README's quick start, command by command").hasSize(steps.size());
        for (int i = 0; i < steps.size(); i++) {
            assertThat(commands.get(i)).as("command %d", i + 1).startsWith(steps.get(i).command());
        }

        for (int i = 0; i < steps.size(); i++) {
            String command = commands.get(i);
            if (command.startsWith("./gatehouse demo")) {
                // what ./gatehouse runs, minus the build (it would install into the shared Maven repository), on free ports
                demo = new DemoProcess(dir).start();
            } else if (command.startsWith("./mvnw verify")) {
                continue; // the suite this test is part of
            } else {
                String out = readme.run(command);
                steps.get(i).outcome().accept(out);
            }
        }

        // the prose after the commands: resource reads are cached for 10 s, MISS then HIT-L1 with Age
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest read = HttpRequest.newBuilder(URI.create(demo.gateway() + "/api/v1/resources/2")).build();
        HttpResponse<Void> first = http.send(read, HttpResponse.BodyHandlers.discarding());
        HttpResponse<Void> second = http.send(read, HttpResponse.BodyHandlers.discarding());
        assertThat(first.headers().firstValue("x-cache")).hasValue("MISS");
        assertThat(second.headers().firstValue("x-cache")).hasValue("HIT-L1");
        assertThat(second.headers().firstValue("age")).isPresent();
    }
}
