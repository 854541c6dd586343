package dev.gatehouse.server.auth;

import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import dev.gatehouse.server.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tier edited through a node's admin API is in effect on that node when the answer comes, not only once
 * the change notice comes back to it: here the node's change feed never hears anything (a relay holds the
 * answer to its {@code LISTEN}), so only the edit itself can have applied it.
 */
class TierEditTest {
    Vertx vertx;
    TestDatabase database;
    HeldAnswerRelay relay;
    GatewayNode node;
    String adminKey;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        relay = new HeldAnswerRelay(vertx, database.jdbcUrl());
        relay.holdAnswerTo(("LISTEN " + ChangeNotices.CHANNEL).getBytes(StandardCharsets.US_ASCII));
        node = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2}}
                observability: {accessLog: "off"}
                """.formatted(relay.relayed(database.jdbcUrl())));
        adminKey = node.identities().keys().create("ops", "enterprise", List.of("admin"), null, null).key();
    }

    @AfterEach
    void stop() {
        node.close();
        relay.close();
        vertx.close();
        database.close();
    }

    private HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("x-api-key", adminKey).header("content-type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aTierEditedThroughTheAdminApiIsInEffectOnThatNodeWhenTheAnswerComes() throws Exception {
        assertThat(admin("PUT", "/tiers/trial", "{\"limits\": [\"50/min\"]}").statusCode()).isEqualTo(200);
        HttpResponse<String> created = admin("GET", "/tiers/trial", null);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        assertThat(new JsonObject(created.body()).getJsonArray("trial")).containsExactly("50/min");

        assertThat(admin("PUT", "/tiers/trial", "{\"limits\": [\"5/s\", \"60/min\"]}").statusCode()).isEqualTo(200);
        assertThat(new JsonObject(admin("GET", "/tiers/trial", null).body()).getJsonArray("trial")).containsExactly("5/s", "60/min");

        assertThat(admin("DELETE", "/tiers/trial", null).statusCode()).isEqualTo(204);
        assertThat(admin("GET", "/tiers/trial", null).statusCode()).isEqualTo(404);
        assertThat(node.identities().tier("trial")).isNull();
    }
}
