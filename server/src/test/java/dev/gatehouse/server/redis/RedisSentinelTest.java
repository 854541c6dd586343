package dev.gatehouse.server.redis;

import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import dev.gatehouse.testkit.TestRedisSentinel;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Nodes over a master watched by three sentinels: invalidations reach every node, and a killed master is
 * survived once they promote its replica.
 */
class RedisSentinelTest {

    static Vertx vertx;
    static TestDatabase database;
    static TestRedisSentinel sentinel;
    static int upstreamPort;
    final List<GatewayNode> nodes = new ArrayList<>();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        sentinel = TestRedisSentinel.start();
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        upstreamPort = vertx.createHttpServer().requestHandler(r -> r.response()
                        .putHeader("cache-control", r.path().startsWith("/items") ? "max-age=300" : "no-store")
                        .putHeader("surrogate-key", "catalog").end("{\"path\":\"" + r.path() + "\"}"))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get().actualPort();
    }

    @AfterAll
    static void stop() {
        vertx.close();
        database.close();
        sentinel.close();
    }

    @AfterEach
    void stopNodes() {
        nodes.forEach(GatewayNode::close);
    }

    /** Each test's keys under a prefix of its own, so one test's counters never meet another's. */
    final String prefix = "gh-test:" + java.util.UUID.randomUUID().toString().substring(0, 13) + ":";

    private GatewayNode node() {
        String sentinels = sentinel.sentinels().stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", "));
        GatewayNode node = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 2, trustedProxies: [127.0.0.1]}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2}}
                observability: {accessLog: "off"}
                redis: {mode: sentinel, sentinels: [%s], masterName: %s, timeout: 2s, keyPrefix: "%s"}
                cache: {l1Ttl: 5m}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                %s
                  - {name: items, match: {prefix: /items}, upstream: svc, cache: {ttl: 5m}}
                """.formatted(database.jdbcUrl(), sentinels, TestRedisSentinel.MASTER_NAME, prefix, upstreamPort, FailoverUnderLoad.ROUTES));
        nodes.add(node);
        return node;
    }

    @Test
    void aPurgeOnOneNodeEvictsTheEntryFromTheOtherAndFromRedis() throws Exception {
        GatewayNode first = node();
        GatewayNode second = node();
        String admin = first.identities().keys().create("ops-" + prefix, "enterprise", List.of("admin"), null, null).key();
        for (GatewayNode node : List.of(first, second)) {
            cacheStatus(node, "/items/1");
            assertThat(cacheStatus(node, "/items/1")).isEqualTo("HIT-L1");
        }
        HttpResponse<String> purged = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.adminPort() + "/cache/purge"))
                .header("x-api-key", admin).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"tag\": \"catalog\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(purged.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(cacheStatus(second, "/items/1")).isEqualTo("MISS"));
    }

    private static String cacheStatus(GatewayNode node, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).headers().firstValue("x-cache").orElse("none");
    }

    @Test
    void aMasterKilledUnderLoadIsSurvivedOnceTheSentinelsPromoteItsReplica() throws Exception {
        List<GatewayNode> two = List.of(node(), node());
        int master = sentinel.masterPort();
        assertThat(FailoverUnderLoad.get(two.get(0), "/closed").statusCode()).isEqualTo(200);

        FailoverUnderLoad.Figures figures = FailoverUnderLoad.run(two, () -> sentinel.kill(master));

        await().until(() -> sentinel.masterPort() != master);
        System.out.println("sentinel failover: " + figures);
        FailoverUnderLoad.assertExactAgain(two);
    }
}
