package dev.gatehouse.server.cache;

import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import dev.gatehouse.testkit.TestRedis;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two nodes sharing Redis: a purge or a write on one drops the entry from the other's cache within a second. */
class CrossNodeCacheTest {

    static Vertx vertx;
    static TestDatabase database;
    static RedisNamespace namespace;
    static GatewayNode first;
    static GatewayNode second;
    static String admin;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        namespace = TestRedis.newNamespace();
        int upstream = vertx.createHttpServer().requestHandler(r -> r.response()
                .putHeader("cache-control", "max-age=300").putHeader("surrogate-key", "catalog").end("{\"path\":\"" + r.path() + "\"}"))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get().actualPort();
        String yaml = """
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2}}
                redis: {url: "%s", keyPrefix: "%s"}
                cache: {l1Ttl: 5m}
                observability: {accessLog: "off"}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                  - {name: items, match: {prefix: /items}, upstream: svc, cache: {ttl: 5m}}
                """.formatted(database.jdbcUrl(), TestRedis.url(), namespace.prefix(), upstream);
        first = TestNodes.start(yaml);
        second = TestNodes.start(yaml);
        admin = first.identities().keys().create("ops", "enterprise", List.of("admin"), null, null).key();
    }

    @AfterAll
    static void stop() {
        first.close();
        second.close();
        vertx.close();
        namespace.close();
        database.close();
    }

    static String cacheStatus(GatewayNode node, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).headers().firstValue("x-cache").orElse("none");
    }

    static void warm(String path) throws Exception {
        for (GatewayNode node : List.of(first, second)) {
            cacheStatus(node, path);
            assertThat(cacheStatus(node, path)).isEqualTo("HIT-L1");
        }
    }

    @Test
    void aPurgeOnOneNodeEvictsEveryNode() throws Exception {
        warm("/items/1");
        HttpResponse<String> purged = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.adminPort() + "/cache/purge"))
                .header("x-api-key", admin).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"tag\": \"catalog\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(purged.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(cacheStatus(second, "/items/1")).isEqualTo("MISS"));
    }

    @Test
    void aWriteThroughOneNodeEvictsTheResourceEverywhere() throws Exception {
        warm("/items/2");
        int status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.gatewayPort() + "/items/2"))
                .PUT(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        assertThat(status).isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(cacheStatus(second, "/items/2")).isEqualTo("MISS"));
    }
}
