package dev.gatehouse.server.redis;

import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import dev.gatehouse.testkit.TestRedisCluster;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Nodes over a real Redis Cluster (three masters, a replica each): limits stay exact across nodes with
 * subjects spread over the slots, cache invalidations reach every node, and a killed master is survived.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class RedisClusterTest {

    static Vertx vertx;
    static TestDatabase database;
    static TestRedisCluster cluster;
    static int upstreamPort;
    final List<GatewayNode> nodes = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        cluster = TestRedisCluster.start();
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
        cluster.close();
    }

    @AfterEach
    void stopNodes() {
        nodes.forEach(GatewayNode::close);
    }

    /** A node over the cluster, its keys under a prefix of the test's own. */
    private GatewayNode node(String prefix, String routes) {
        String seeds = cluster.nodes().stream().limit(2).map(n -> "\"" + n + "\"").collect(Collectors.joining(", "));
        String yaml = """
                gateway: {host: 127.0.0.1, port: 0, instances: 2, trustedProxies: [127.0.0.1]}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2}}
                observability: {accessLog: "off"}
                redis: {mode: cluster, nodes: [%s], keyPrefix: "%s", timeout: 2s}
                cache: {l1Ttl: 5m}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                %s
                """.formatted(database.jdbcUrl(), seeds, prefix, upstreamPort, routes);
        GatewayNode node = TestNodes.start(yaml);
        nodes.add(node);
        return node;
    }

    private static String prefix() {
        return "gh-test:" + UUID.randomUUID().toString().substring(0, 13) + ":";
    }

    private HttpResponse<String> get(GatewayNode node, String path, String... headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + path))
                    .timeout(Duration.ofSeconds(10));
            if (headers.length > 0) {
                request.headers(headers);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void threeNodesOverAClusterAllowExactlyTheLimitOfEverySubject() throws Exception {
        String routes = """
                  - name: exact
                    match: {prefix: /}
                    upstream: svc
                    rateLimit: {mode: exact, limits: [20/day]}
                """;
        String prefix = prefix();
        List<GatewayNode> three = List.of(node(prefix, routes), node(prefix, routes), node(prefix, routes));
        // eight callers (client addresses), whose keys fall in different slots and so on different masters
        List<String> callers = List.of("198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4",
                "203.0.113.5", "203.0.113.6", "203.0.113.7", "203.0.113.8");
        Map<String, List<Integer>> statuses = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(48);
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int c = 0; c < 48; c++) {
            GatewayNode target = three.get(c % 3);
            String caller = callers.get(c % callers.size());
            clients.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 10; i++) { // 60 requests per caller: 3 × its limit
                    int status = get(target, "/x", "X-Forwarded-For", caller).statusCode();
                    statuses.computeIfAbsent(caller, k -> new CopyOnWriteArrayList<>()).add(status);
                }
            }, pool));
        }
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();
        pool.shutdown();
        for (String caller : callers) {
            assertThat(statuses.get(caller)).as(caller).hasSize(60);
            assertThat(statuses.get(caller).stream().filter(s -> s == 200).count()).as("allowed for " + caller).isEqualTo(20);
            assertThat(statuses.get(caller).stream().filter(s -> s == 429).count()).as("refused for " + caller).isEqualTo(40);
        }
        assertThat(masterPortsHolding(prefix)).as("the callers' keys are spread over several masters").hasSizeGreaterThan(1);
    }

    @Test
    void threeNodesLeasingOverAClusterNeverPassTheLimit() throws Exception {
        String routes = """
                  - name: leased
                    match: {prefix: /}
                    upstream: svc
                    rateLimit: {mode: leased, limits: [60/day], leaseSize: 5, leaseTtl: 1m}
                """;
        String prefix = prefix();
        List<GatewayNode> three = List.of(node(prefix, routes), node(prefix, routes), node(prefix, routes));
        List<Integer> statuses = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(30);
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int c = 0; c < 30; c++) {
            GatewayNode target = three.get(c % 3);
            clients.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 4; i++) {
                    statuses.add(get(target, "/x", "X-Forwarded-For", "198.51.100.50").statusCode());
                }
            }, pool));
        }
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();
        pool.shutdown();
        long passed = statuses.stream().filter(s -> s == 200).count();
        // never more than the limit; at most each node's unspent remainder (4 of a lease of 5) fewer
        assertThat(passed).isBetween(60L - 3 * 4, 60L);
        assertThat(statuses.stream().filter(s -> s == 429).count()).isEqualTo(120 - passed);
    }

    @Test
    void aPurgeOnOneNodeEvictsTheEntryFromEveryNodeAndFromRedis() throws Exception {
        String routes = "  - {name: items, match: {prefix: /items}, upstream: svc, cache: {ttl: 5m}}";
        String prefix = prefix();
        GatewayNode first = node(prefix, routes);
        GatewayNode second = node(prefix, routes);
        String admin = first.identities().keys().create("ops-" + prefix, "enterprise", List.of("admin"), null, null).key();
        List<String> paths = List.of("/items/1", "/items/2", "/items/3", "/items/4");
        for (String path : paths) {
            for (GatewayNode node : List.of(first, second)) {
                cacheStatus(node, path);
                assertThat(cacheStatus(node, path)).as(path).isEqualTo("HIT-L1");
            }
        }
        HttpResponse<String> purged = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.adminPort() + "/cache/purge"))
                .header("x-api-key", admin).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"tag\": \"catalog\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(purged.statusCode()).isEqualTo(200);
        for (String path : paths) {
            // MISS, not HIT-L2: gone from the other node's memory and from every master of the cluster
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(cacheStatus(second, path)).as(path).isEqualTo("MISS"));
        }
    }

    @Test
    void aClearOnOneNodeEmptiesTheCacheOnEveryMaster() throws Exception {
        String routes = "  - {name: items, match: {prefix: /items}, upstream: svc, cache: {ttl: 5m}}";
        String prefix = prefix();
        GatewayNode first = node(prefix, routes);
        GatewayNode second = node(prefix, routes);
        String admin = first.identities().keys().create("ops-" + prefix, "enterprise", List.of("admin"), null, null).key();
        List<String> paths = List.of("/items/a", "/items/b", "/items/c", "/items/d", "/items/e", "/items/f");
        for (String path : paths) {
            cacheStatus(first, path);
        }
        assertThat(masterPortsHolding(prefix)).as("entries spread over several masters").hasSizeGreaterThan(1);
        HttpResponse<String> cleared = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.adminPort() + "/cache/clear"))
                .header("x-api-key", admin).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(cleared.statusCode()).isEqualTo(200);
        for (String path : paths) {
            // the other node never held it in memory: a MISS means no master still had it
            assertThat(cacheStatus(second, path)).as(path).isEqualTo("MISS");
        }
    }

    private String cacheStatus(GatewayNode node, String path) {
        return get(node, path).headers().firstValue("x-cache").orElse("none");
    }

    /** The masters holding keys under {@code prefix}. */
    private static List<Integer> masterPortsHolding(String prefix) throws IOException {
        List<Integer> holding = new ArrayList<>();
        for (int port : cluster.masters()) {
            List<?> reply = (List<?>) cluster.command(port, "SCAN", "0", "MATCH", prefix + "*", "COUNT", "100000");
            if (!((List<?>) reply.get(1)).isEmpty()) {
                holding.add(port);
            }
        }
        return holding;
    }

    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE) // last: it leaves the cluster with one master fewer
    void aMasterKilledUnderLoadIsSurvivedAndExactDecisionsReturnByThemselves() throws Exception {
        String prefix = prefix();
        List<GatewayNode> two = List.of(node(prefix, FailoverUnderLoad.ROUTES), node(prefix, FailoverUnderLoad.ROUTES));
        assertThat(FailoverUnderLoad.get(two.get(0), "/closed").statusCode()).isEqualTo(200);
        cluster.awaitHealthy(Duration.ofSeconds(60)); // the replica that is to take over has its master's data
        List<Integer> holding = masterPortsHolding(prefix);
        assertThat(holding).as("the caller's keys live on one master").hasSize(1);
        int master = holding.get(0);

        FailoverUnderLoad.Figures figures;
        try {
            figures = FailoverUnderLoad.run(two, () -> cluster.kill(master));
        } catch (Throwable e) {
            throw new AssertionError("no recovery after killing " + master + "; the cluster says:\n" + cluster.describe(), e);
        }

        assertThat(masterPortsHolding(prefix)).as("the promoted replica serves the caller's keys").hasSize(1).doesNotContain(master);
        System.out.println("cluster failover: " + figures);
        FailoverUnderLoad.assertExactAgain(two);
    }
}
