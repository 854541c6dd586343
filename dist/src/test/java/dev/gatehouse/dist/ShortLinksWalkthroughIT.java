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
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's short-links walk, command by command as written, against the real demo (the shortener behind the
 * gateway): create with a login, redirect anonymously, stats for the owner. Then what the prose around it says.
 */
class ShortLinksWalkthroughIT {
    @TempDir
    Path dir;

    private DemoProcess demo;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @AfterEach
    void stopDemo() throws Exception {
        if (demo != null) {
            demo.stop();
        }
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
        List<String> commands = ReadmeCommands.of("## Short links");
        assertThat(commands).hasSize(4);
        demo = new DemoProcess(dir).start();
        ReadmeCommands readme = new ReadmeCommands(dir, command -> command.replace("localhost:8080", "localhost:" + demo.gatewayPort));

        assertThat(readme.run(commands.get(0))).startsWith("gh_sess_");
        String token = readme.variable("TOKEN");
        JsonObject created = new JsonObject(readme.run(commands.get(1)));
        assertThat(created.getString("code")).isEqualTo("launch");
        assertThat(created.getString("shortUrl")).isEqualTo("http://localhost:" + demo.gatewayPort + "/launch");
        assertThat(created.getString("owner")).startsWith("user:");
        assertThat(readme.run(commands.get(2)).strip()).isEqualTo("302 https://example.com/launch");
        // clicks reach the stats within a second (the flush interval)
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(new JsonObject(readme.run(commands.get(3))).getLong("total")).isEqualTo(1));
        JsonObject stats = new JsonObject(readme.run(commands.get(3)));
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
