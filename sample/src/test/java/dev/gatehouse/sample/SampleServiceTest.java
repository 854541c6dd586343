package dev.gatehouse.sample;

import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.RespClient;
import dev.gatehouse.testkit.TestPostgres;
import dev.gatehouse.testkit.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SampleServiceTest {

    static Vertx vertx;
    static TestDatabase database;
    static ResourceStore store;
    static SampleService service;
    static SampleService peer;
    static RedisNamespace namespace;
    static final AtomicReference<Double> roll = new AtomicReference<>(0.9);
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        store = new ResourceStore(database.jdbcUrl(), 2);
        namespace = TestRedis.newNamespace();
        service = new SampleService(vertx, "api-test", store, new FlakyDependency(0.3, 0.2, Duration.ofMillis(50), roll::get),
                ResourceCache.shared(vertx, TestRedis.url(), namespace.prefix(), "api-test", Duration.ofMinutes(1)));
        service.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().join();
        peer = new SampleService(vertx, "api-peer", store, new FlakyDependency(0, 0, Duration.ofMillis(50), roll::get),
                ResourceCache.shared(vertx, TestRedis.url(), namespace.prefix(), "api-peer", Duration.ofMinutes(1)));
        peer.listen("127.0.0.1", 0).toCompletionStage().toCompletableFuture().join();
    }

    @AfterAll
    static void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
        store.close();
        database.close();
        namespace.close();
    }

    static HttpResponse<String> call(String method, String path, String body) throws IOException, InterruptedException {
        return call(service, method, path, body);
    }

    static HttpResponse<String> call(SampleService instance, String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("content-type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void statusNamesTheInstance() throws Exception {
        HttpResponse<String> response = call("GET", "/api/v1/status", null);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(response.body()).getString("instanceId")).isEqualTo("api-test");
    }

    @Test
    void startsWithSeedResourcesInPostgres() throws Exception {
        HttpResponse<String> response = call("GET", "/api/v1/resources/1", null);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(response.body()).getString("name")).isEqualTo("Getting started guide");
    }

    @Test
    void resourcesCanBeCreatedReadUpdatedAndDeleted() throws Exception {
        HttpResponse<String> created = call("POST", "/api/v1/resources", "{\"name\": \"New Resource\", \"type\": \"document\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        long id = new JsonObject(created.body()).getLong("id");
        assertThat(created.headers().firstValue("location")).hasValue("/api/v1/resources/" + id);

        HttpResponse<String> updated = call("PUT", "/api/v1/resources/" + id, "{\"name\": \"Renamed\", \"type\": \"image\"}");
        assertThat(new JsonObject(updated.body()).getString("name")).isEqualTo("Renamed");
        assertThat(new JsonObject(call("GET", "/api/v1/resources/" + id, null).body()).getString("type")).isEqualTo("image");
        assertThat(call("GET", "/api/v1/resources?limit=500", null).body()).contains("\"Renamed\"");

        assertThat(call("DELETE", "/api/v1/resources/" + id, null).statusCode()).isEqualTo(204);
        assertThat(call("GET", "/api/v1/resources/" + id, null).statusCode()).isEqualTo(404);
        assertThat(call("DELETE", "/api/v1/resources/" + id, null).statusCode()).isEqualTo(404);
    }

    @Test
    void resourceReadsComeFromTheTwoLevelCacheAndWritesReachEveryInstance() throws Exception {
        long id = new JsonObject(call("POST", "/api/v1/resources", "{\"name\": \"Cached\", \"type\": \"document\"}").body()).getLong("id");
        String path = "/api/v1/resources/" + id;
        assertThat(call("GET", path, null).headers().firstValue("x-data-cache")).hasValue("MISS");
        assertThat(call("GET", path, null).headers().firstValue("x-data-cache")).hasValue("HIT-L1");
        // the reader does not wait for the Redis write; once it has landed the peer finds the resource there
        await().atMost(Duration.ofSeconds(2)).until(() -> {
            try (RespClient redis = new RespClient(TestRedis.host(), TestRedis.port())) {
                return redis.command("EXISTS", namespace.prefix() + "resources:resource:" + id).equals(1L);
            }
        });
        assertThat(call(peer, "GET", path, null).headers().firstValue("x-data-cache")).hasValue("HIT-L2");
        assertThat(call(peer, "GET", path, null).headers().firstValue("x-data-cache")).hasValue("HIT-L1");

        assertThat(call("PUT", path, "{\"name\": \"Renamed\", \"type\": \"image\"}").statusCode()).isEqualTo(200);
        HttpResponse<String> fresh = call("GET", path, null);
        assertThat(fresh.headers().firstValue("x-data-cache")).hasValue("MISS");
        assertThat(new JsonObject(fresh.body()).getString("name")).isEqualTo("Renamed");
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(new JsonObject(call(peer, "GET", path, null).body()).getString("name")).isEqualTo("Renamed"));

        assertThat(call("DELETE", path, null).statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(call(peer, "GET", path, null).statusCode()).isEqualTo(404));
        assertThat(call("GET", "/api/v1/cache", null).body()).contains("\"l1Hits\"", "\"l2\":\"available\"");
    }

    @Test
    void badInputGetsAProblemThatSaysWhatIsWrong() throws Exception {
        HttpResponse<String> noName = call("POST", "/api/v1/resources", "{\"type\": \"document\"}");
        assertThat(noName.statusCode()).isEqualTo(400);
        assertThat(noName.body()).contains("name must be a non-empty string");
        assertThat(call("POST", "/api/v1/resources", "not json").body()).contains("must be a JSON object");
        assertThat(call("GET", "/api/v1/resources/abc", null).body()).contains("resource ids are positive whole numbers, got 'abc'");
        assertThat(call("GET", "/api/v1/resources?limit=0", null).body()).contains("limit must be a whole number between 1 and 500");
    }

    @Test
    void theExternalEndpointFailsOrStallsAtTheConfiguredRate() throws Exception {
        roll.set(0.1);
        HttpResponse<String> failed = call("GET", "/api/v1/external", null);
        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(failed.body()).contains("external service unavailable");

        roll.set(0.4);
        HttpResponse<String> stalled = call("GET", "/api/v1/external", null);
        assertThat(stalled.statusCode()).isEqualTo(200);

        roll.set(0.9);
        HttpResponse<String> ok = call("GET", "/api/v1/external", null);
        assertThat(new JsonObject(ok.body()).getJsonObject("data").getString("value")).isEqualTo("external result");
    }

    @Test
    void readinessFollowsTheDatabase() throws Exception {
        assertThat(call("GET", "/health/ready", null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/health/live", null).statusCode()).isEqualTo(200);
    }

    @Test
    void flakyRatesOutsideZeroToOneAreRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new FlakyDependency(1.5, 0, Duration.ZERO, () -> 0))
                .hasMessageContaining("failure rate must be between 0 and 1, got 1.5");
    }
}
