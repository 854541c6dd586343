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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's short-links walk, command by command as written, against the real demo (the shortener behind the
 * gateway): create with a login, redirect anonymously, stats for the owner. Then what the prose around it says.
 */
class ShortLinksWalkthroughIT {
    private static final Pattern BASH_BLOCK = Pattern.compile("```bash\n(.*?)```", Pattern.DOTALL);
    private static final Pattern ASSIGNMENT = Pattern.compile("^([A-Z_]+)=\\$\\((.*)\\)$", Pattern.DOTALL);

    @TempDir
    Path dir;

    private DemoProcess demo;
    private final Map<String, String> variables = new HashMap<>();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @AfterEach
    void stopDemo() throws Exception {
        if (demo != null) {
            demo.stop();
        }
    }

    private static List<String> commands() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("## Short links");
        assertThat(start).as("the README has a Short links section").isPositive();
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

    private String bash(String command) throws IOException, InterruptedException {
        String written = command.replace("localhost:8080", "localhost:" + demo.gatewayPort);
        Matcher assignment = ASSIGNMENT.matcher(written.replaceAll("\\s+#[^'\"\n]*$", ""));
        String script = assignment.matches() ? assignment.group(1) + "=$(" + assignment.group(2) + ") && printf %s \"$" + assignment.group(1) + "\""
                : written;
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", "set -o pipefail; " + script).redirectError(dir.resolve("stderr.txt").toFile());
        builder.environment().putAll(variables);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as("exit code of: " + command + "\n" + out + Files.readString(dir.resolve("stderr.txt"))).isZero();
        if (assignment.matches()) {
            variables.put(assignment.group(1), out);
        }
        return out;
    }

    private HttpResponse<String> call(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(demo.gateway() + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("content-type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theReadmesShortLinkWalkWorksAsWrittenThroughTheGateway() throws Exception {
        List<String> commands = commands();
        assertThat(commands).hasSize(4);
        demo = new DemoProcess(dir).start();

        assertThat(bash(commands.get(0))).startsWith("gh_sess_");
        String token = variables.get("TOKEN");
        JsonObject created = new JsonObject(bash(commands.get(1)));
        assertThat(created.getString("code")).isEqualTo("launch");
        assertThat(created.getString("shortUrl")).isEqualTo("http://localhost:" + demo.gatewayPort + "/launch");
        assertThat(created.getString("owner")).startsWith("user:");
        assertThat(bash(commands.get(2)).strip()).isEqualTo("302 https://example.com/launch");
        // clicks reach the stats within a second (the flush interval)
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(new JsonObject(bash(commands.get(3))).getLong("total")).isEqualTo(1));
        JsonObject stats = new JsonObject(bash(commands.get(3)));
        assertThat(stats.getJsonArray("agents").getJsonObject(0).getString("family")).isEqualTo("curl");

        // creating needs credentials (the gateway says so), and has its own limit: cost 10 of 4000 an hour
        HttpResponse<String> anonymous = call("POST", "/api/v1/links", "{\"url\": \"https://example.com/x\"}");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        HttpResponse<String> another = call("POST", "/api/v1/links", "{\"url\": \"https://example.com/x\"}", "Authorization", "Bearer " + token);
        assertThat(another.statusCode()).as(another.body()).isEqualTo(201);
        assertThat(another.headers().firstValue("ratelimit-policy").orElse("")).contains("q=4000;w=3600");
        // a taken alias, a bad URL, and somebody else's stats
        assertThat(call("POST", "/api/v1/links", "{\"url\": \"https://example.com/y\", \"alias\": \"launch\"}", "Authorization", "Bearer " + token)
                .statusCode()).isEqualTo(409);
        HttpResponse<String> loop = call("POST", "/api/v1/links", "{\"url\": \"http://localhost:" + demo.gatewayPort + "/launch\"}",
                "Authorization", "Bearer " + token);
        assertThat(loop.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(loop.body()).getString("detail")).contains("own host");
        HttpResponse<String> admin = call("POST", "/api/v1/auth/login", "{\"email\": \"admin@example.com\", \"password\": \"admin123\"}");
        String adminToken = new JsonObject(admin.body()).getString("token");
        assertThat(call("GET", "/api/v1/links/launch/stats", null, "Authorization", "Bearer " + adminToken).statusCode())
                .as("an admin sees anyone's stats").isEqualTo(200);
        assertThat(call("GET", "/api/v1/links/launch/stats", null).statusCode()).isEqualTo(401);
        // an unknown code is the shortener's 404; an edit is followed by the next redirect
        assertThat(call("GET", "/no-such-link", null).statusCode()).isEqualTo(404);
        assertThat(call("PATCH", "/api/v1/links/launch", "{\"url\": \"https://example.com/moved\"}", "Authorization", "Bearer " + token)
                .statusCode()).isEqualTo(200);
        assertThat(call("GET", "/launch", null).headers().firstValue("location")).hasValue("https://example.com/moved");
    }
}
