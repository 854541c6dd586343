package dev.gatehouse.dist;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every command of the README's quick start, in the order written, against the real demo, and checks
 * each one's documented outcome. The demo runs on free ports: {@code localhost:8080}, {@code :8081} and
 * {@code :3000} in the commands are replaced by them, and nothing else is changed. A command the README gains or loses fails the
 * test until its outcome is written down here.
 */
class ReadmeWalkthroughIT {

    private static final Pattern BASH_BLOCK = Pattern.compile("```bash\n(.*?)```", Pattern.DOTALL);
    private static final Pattern ASSIGNMENT = Pattern.compile("^([A-Z_]+)=\\$\\((.*)\\)$", Pattern.DOTALL);

    @TempDir
    Path dir;

    private DemoProcess demo;
    private final Map<String, String> variables = new HashMap<>();

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
                        assertThat(variables.get("TOKEN")).startsWith("gh_sess_")),
                new Step("curl http://localhost:8080/api/v1/me -H \"Authorization: Bearer $TOKEN\"", out -> {
                    JsonObject me = new JsonObject(out);
                    assertThat(me.getString("email")).isEqualTo("admin@example.com");
                    assertThat(me.getString("role")).isEqualTo("admin");
                    assertThat(me.getString("tier")).isEqualTo("enterprise");
                }),
                new Step("curl -X POST http://localhost:8080/api/v1/resources -H \"Authorization: Bearer $TOKEN\"", out ->
                        assertThat(new JsonObject(out).getString("name")).isEqualTo("New Resource")),
                new Step("for i in $(seq 1 150); do curl", out -> {
                    Map<String, Integer> counts = new HashMap<>();
                    for (String line : out.strip().split("\n")) {
                        String[] countAndStatus = line.strip().split("\\s+");
                        counts.put(countAndStatus[1], Integer.parseInt(countAndStatus[0]));
                    }
                    assertThat(counts.keySet()).as("the loop ends in 429s: " + out).containsExactlyInAnyOrder("200", "429");
                    // 100 a minute as GCRA allows it: a burst of 100, then one more every 0.6 s while the loop runs
                    assertThat(counts.get("200")).as("anonymous callers get 100 a minute").isBetween(99, 130);
                }));
    }

    /** The commands of the README's quick start, in order, each on one line (continuations joined). */
    private static List<String> quickStartCommands() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("## Quick start");
        String section = readme.substring(start, readme.indexOf("\n## ", start + 1));
        List<String> commands = new ArrayList<>();
        Matcher block = BASH_BLOCK.matcher(section);
        while (block.find()) {
            StringBuilder command = new StringBuilder();
            for (String line : block.group(1).split("\n")) {
                command.append(line);
                if (line.endsWith("\\")) {
                    command.append('\n');
                } else {
                    commands.add(command.toString());
                    command.setLength(0);
                }
            }
        }
        return commands;
    }

    private String asWritten(String command) {
        return command.replace("localhost:8080", "localhost:" + demo.gatewayPort).replace("localhost:8081", "localhost:" + demo.adminPort)
                .replace("localhost:3000", "localhost:" + demo.lbPort);
    }

    /** Runs one command with bash, as a user pasting it would, with the variables earlier commands set; its standard output. */
    private String bash(String command) throws IOException, InterruptedException {
        Matcher assignment = ASSIGNMENT.matcher(command.replaceAll("\\s+#[^'\"\n]*$", ""));
        String script = assignment.matches() ? assignment.group(1) + "=$(" + assignment.group(2) + ") && printf %s \"$" + assignment.group(1) + "\""
                : command;
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", "set -o pipefail; " + script)
                .redirectError(dir.resolve("stderr.txt").toFile());
        builder.environment().putAll(variables);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as("exit code of: " + command + "\n" + out + Files.readString(dir.resolve("stderr.txt"))).isZero();
        if (assignment.matches()) {
            variables.put(assignment.group(1), out);
        }
        return out;
    }

    @Test
    void everyCommandOfTheQuickStartWorksAsWrittenInTheOrderWritten() throws Exception {
        List<String> commands = quickStartCommands();
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
                String out = bash(asWritten(command));
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
