package dev.gatehouse.server.ratelimit;

import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import dev.gatehouse.testkit.TestRedis;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RateLimitTest {

    static Vertx vertx;
    static TestDatabase database;
    static int upstreamPort;
    final List<GatewayNode> nodes = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        upstreamPort = TestNodes.okUpstream(vertx);
    }

    @AfterAll
    static void stop() {
        vertx.close();
        database.close();
    }

    @AfterEach
    void stopNodes() {
        nodes.forEach(GatewayNode::close);
    }

    private GatewayNode node(String redis, String routes) {
        return node(redis, upstreamPort, routes);
    }

    /** A node behind a trusted proxy (127.0.0.1) with one upstream, svc, at {@code upstream}. */
    private GatewayNode node(String redis, int upstream, String routes) {
        String yaml = """
                gateway: {host: 127.0.0.1, port: 0, instances: 2, trustedProxies: [127.0.0.1]}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2}}
                observability: {accessLog: "off"}
                %s
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                %s
                """.formatted(database.jdbcUrl(), redis, upstream, routes);
        GatewayNode node = TestNodes.start(yaml);
        nodes.add(node);
        return node;
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
    void aRouteLimitAnswersWithHeadersAndA429Problem() throws Exception {
        GatewayNode node = node("", """
                  - name: limited
                    match: {prefix: /}
                    upstream: svc
                    rateLimit: {limits: [3/min]}
                """);
        for (int remaining = 2; remaining >= 0; remaining--) {
            HttpResponse<String> ok = get(node, "/x");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("x-ratelimit-limit")).hasValue("3");
            assertThat(ok.headers().firstValue("x-ratelimit-remaining")).hasValue(String.valueOf(remaining));
            assertThat(ok.headers().firstValue("ratelimit-policy")).hasValue("\"1min\";q=3;w=60");
            assertThat(ok.headers().firstValue("ratelimit").orElseThrow()).matches("\"1min\";r=" + remaining + ";t=\\d+");
        }
        HttpResponse<String> refused = get(node, "/x");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(refused.headers().firstValue("retry-after")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 60L));
        assertThat(refused.headers().firstValue("x-ratelimit-remaining")).hasValue("0");
        assertThat(refused.body()).contains("urn:gatehouse:problem:rate-limited", "used its 3 requests");

        HttpResponse<String> otherClient = get(node, "/x", "X-Forwarded-For", "203.0.113.7");
        assertThat(otherClient.statusCode()).as("a client behind a trusted proxy has its own limit").isEqualTo(200);
        assertThat(node.metrics().scrape()).contains("gatehouse_ratelimit_decisions_total{outcome=\"rejected\",route=\"limited\"} 1.0")
                .as("two subjects held in process, of at most a million").contains("gatehouse_ratelimit_local_keys 2.0")
                .contains("gatehouse_ratelimit_local_max_keys 1000000.0")
                .as("no subject went unkept").contains("gatehouse_ratelimit_local_unkept_total 0.0");
    }

    /** An sf-list of policy items: a quoted name, then integer parameters (draft-ietf-httpapi-ratelimit-headers-10). */
    private static final String ITEM = "\"[a-z0-9-]+\"(;[a-z]+=\\d+)+";

    @Test
    void theRateLimitFieldsFollowTheCurrentDraftWithAQuotedPolicyPerWindowAndTheTightestInRateLimit() {
        GatewayNode node = node("", """
                  - name: windows
                    match: {prefix: /windows}
                    upstream: svc
                    rateLimit: {limits: [1000/hour, 3/min]}
                  - name: tiered
                    match: {prefix: /tiered}
                    upstream: svc
                    rateLimit: {tiers: true, limits: [500/hour]}
                """);
        for (int remaining = 2; remaining >= 0; remaining--) {
            HttpResponse<String> ok = get(node, "/windows");
            String policy = ok.headers().firstValue("ratelimit-policy").orElseThrow();
            assertThat(policy).isEqualTo("\"1h\";q=1000;w=3600, \"1min\";q=3;w=60").matches(ITEM + "(, " + ITEM + ")*");
            assertThat(ok.headers().firstValue("ratelimit").orElseThrow()).matches("\"1min\";r=" + remaining + ";t=\\d+");
            assertThat(ok.headers().firstValue("x-ratelimit-remaining")).as("kept for existing clients").hasValue(String.valueOf(remaining));
        }
        HttpResponse<String> refused = get(node, "/windows");
        assertThat(refused.statusCode()).isEqualTo(429);
        long retryAfter = Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow());
        assertThat(refused.headers().firstValue("ratelimit")).hasValueSatisfying(v -> assertThat(v).matches("\"1min\";r=0;t=\\d+"));

        // the caller's tier (anonymous: 100/min) is named after it, beside the route's own window
        HttpResponse<String> tiered = get(node, "/tiered");
        assertThat(tiered.headers().firstValue("ratelimit-policy")).hasValue("\"1h\";q=500;w=3600, \"anonymous-1min\";q=100;w=60");
        assertThat(tiered.headers().firstValue("ratelimit")).hasValueSatisfying(v -> assertThat(v).matches("\"anonymous-1min\";r=99;t=\\d+"));
        assertThat(retryAfter).isPositive();
    }

    @Test
    void leasedRoutesAnswerWithTheSameFieldsCountingWhatTheNodeStillHolds() throws Exception {
        try (RedisNamespace namespace = TestRedis.newNamespace()) {
            GatewayNode node = node(sharedRedis(namespace), """
                      - name: leased
                        match: {prefix: /}
                        upstream: svc
                        rateLimit: {mode: leased, limits: [50/min, 1000/hour], leaseSize: 10, leaseTtl: 1m}
                    """);
            for (int i = 1; i <= 3; i++) {
                HttpResponse<String> ok = get(node, "/x");
                assertThat(ok.statusCode()).isEqualTo(200);
                assertThat(ok.headers().firstValue("ratelimit-policy")).hasValue("\"1min\";q=50;w=60, \"1h\";q=1000;w=3600");
                String remaining = ok.headers().firstValue("x-ratelimit-remaining").orElseThrow();
                assertThat(Long.parseLong(remaining)).isEqualTo(50 - i);
                assertThat(ok.headers().firstValue("ratelimit").orElseThrow()).matches("\"1min\";r=" + remaining + ";t=\\d+");
            }
        }
    }

    @Test
    void behindAProxyThatAddsItsOwnLineTheClientIsTheProxysHopNotTheClientsClaim() throws Exception {
        GatewayNode node = node("", """
                  - name: limited
                    match: {prefix: /}
                    upstream: svc
                    rateLimit: {limits: [1/min]}
                """);
        // HAProxy's option forwardfor adds a line of its own after the client's; the lines are one list, in order
        assertThat(get(node, "/x", "X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(200);
        assertThat(get(node, "/x", "X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "198.51.100.1").statusCode())
                .as("the same client, whatever it claims").isEqualTo(429);
        assertThat(get(node, "/x", "X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "198.51.100.2").statusCode())
                .as("another client behind the proxy, though it claims the same address").isEqualTo(200);

        // and the upstream is told every hop, in order, with this one's peer last
        int echo = vertx.createHttpServer().requestHandler(r -> r.response().end(String.join(" | ", r.headers().getAll("x-forwarded-for"))
                        + " / " + String.join(" | ", r.headers().getAll("x-forwarded-proto"))))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get().actualPort();
        GatewayNode forwarding = node("", echo, "  - {name: echo, match: {prefix: /}, upstream: svc}");
        assertThat(get(forwarding, "/x", "X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "198.51.100.1",
                "X-Forwarded-Proto", "https", "X-Forwarded-Proto", "http").body())
                .isEqualTo("6.6.6.6, 198.51.100.1, 127.0.0.1 / https, http");
    }

    /** The redis section for nodes that share the test Redis under {@code namespace}. */
    private static String sharedRedis(RedisNamespace namespace) {
        return "redis: {url: \"" + TestRedis.url() + "\", keyPrefix: \"" + namespace.prefix() + "\", timeout: 2s, poolSize: 16}";
    }

    @ParameterizedTest
    @ValueSource(strings = {"gcra", "token-bucket", "fixed-window", "sliding-log", "sliding-counter"})
    void threeNodesSharingRedisAllowExactlyTheLimit(String algorithm) throws Exception {
        try (RedisNamespace namespace = TestRedis.newNamespace()) {
            String redis = sharedRedis(namespace);
            String routes = """
                      - name: exact
                        match: {prefix: /}
                        upstream: svc
                        rateLimit: {algorithm: %s, mode: exact, limits: [50/day]}
                    """.formatted(algorithm);
            List<GatewayNode> cluster = List.of(node(redis, routes), node(redis, routes), node(redis, routes));
            List<Integer> statuses = new CopyOnWriteArrayList<>();
            List<CompletableFuture<Void>> clients = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(200);
            CountDownLatch ready = new CountDownLatch(200);
            for (int c = 0; c < 200; c++) {
                GatewayNode target = cluster.get(c % 3);
                int requests = c < 50 ? 2 : 1; // 250 requests: 5 × the limit
                clients.add(CompletableFuture.runAsync(() -> {
                    ready.countDown();
                    try {
                        ready.await(); // 200 clients start together
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    for (int i = 0; i < requests; i++) {
                        statuses.add(get(target, "/x").statusCode());
                    }
                }, pool));
            }
            CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();
            pool.shutdown();
            assertThat(statuses).hasSize(250);
            assertThat(statuses.stream().filter(s -> s == 200).count()).isEqualTo(50);
            assertThat(statuses.stream().filter(s -> s == 429).count()).isEqualTo(200);
        }
    }

    @Test
    void threeNodesLeasingOneLimitNeverPassItAndAskRedisOncePerLease() throws Exception {
        try (RedisNamespace namespace = TestRedis.newNamespace()) {
            String redis = sharedRedis(namespace);
            String routes = """
                      - name: leased
                        match: {prefix: /}
                        upstream: svc
                        rateLimit: {mode: leased, limits: [60/day], leaseSize: 5, leaseTtl: 1m}
                    """;
            List<GatewayNode> cluster = List.of(node(redis, routes), node(redis, routes), node(redis, routes));
            List<Integer> statuses = new CopyOnWriteArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(60);
            List<CompletableFuture<Void>> clients = new ArrayList<>();
            for (int c = 0; c < 60; c++) {
                GatewayNode target = cluster.get(c % 3);
                clients.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 4; i++) {
                        statuses.add(get(target, "/x").statusCode());
                    }
                }, pool));
            }
            CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();
            pool.shutdown();
            long passed = statuses.stream().filter(s -> s == 200).count();
            // never more than the limit; at most each node's unspent remainder (4 of a lease of 5) fewer
            assertThat(passed).isBetween(60L - 3 * 4, 60L);
            assertThat(statuses.stream().filter(s -> s == 429).count()).isEqualTo(240 - passed);
            double calls = cluster.stream().mapToDouble(n -> n.metrics().registry().get("gatehouse.ratelimit.redis.calls").counter().count()).sum();
            // 12 leases grant the 60; each node's refusal is then kept until its retry-after (minutes, at 60/day)
            assertThat(calls).as("Redis calls for 240 requests").isLessThanOrEqualTo(12 + 3 * 3);
            HttpResponse<String> refused = get(cluster.get(0), "/x");
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("retry-after")).isPresent();
        }
    }

    /** /open fails open (1000/min shared, 500 per node without Redis); /closed fails closed at {@code closedLimit}/min. */
    private static String failurePolicyRoutes(int closedLimit) {
        return """
                  - name: open
                    match: {prefix: /open}
                    upstream: svc
                    rateLimit: {mode: exact, limits: [1000/min], onRedisFailure: open, expectedNodes: 2}
                  - name: closed
                    match: {prefix: /closed}
                    upstream: svc
                    rateLimit: {mode: exact, limits: [%d/min], onRedisFailure: closed}
                  - name: leased
                    match: {prefix: /leased}
                    upstream: svc
                    rateLimit: {mode: leased, limits: [1000/hour], leaseSize: 100, leaseTtl: 10m, onRedisFailure: closed}
                """.formatted(closedLimit);
    }

    @Test
    void whenRedisStopsRoutesApplyTheirFailurePolicyAndRecover() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"").setting("appendonly no").build();
        redis.start();
        try {
            GatewayNode node = node("redis: {url: \"redis://127.0.0.1:" + port + "\", timeout: 200ms}", failurePolicyRoutes(3));
            assertThat(get(node, "/closed").statusCode()).isEqualTo(200);
            assertThat(get(node, "/leased").statusCode()).as("takes a lease of 100").isEqualTo(200);
            redis.stop();

            for (int i = 0; i < 10; i++) {
                HttpResponse<String> open = get(node, "/open");
                assertThat(open.statusCode()).as("fails open to a local limiter").isEqualTo(200);
                assertThat(open.headers().firstValue("x-ratelimit-limit")).hasValue("500");
                HttpResponse<String> closed = get(node, "/closed");
                assertThat(closed.statusCode()).isEqualTo(503);
                assertThat(closed.body()).contains("urn:gatehouse:problem:rate-limiter-unavailable");
            }
            assertThat(node.metrics().scrape()).contains("gatehouse_ratelimit_redis_available 0.0");
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> leased = get(node, "/leased");
                assertThat(leased.statusCode()).as("a held lease is spent while Redis is down, though the route fails closed").isEqualTo(200);
                assertThat(leased.headers().firstValue("x-ratelimit-limit")).hasValue("1000");
            }

            redis.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> get(node, "/closed").statusCode() == 200);
            await().untilAsserted(() -> assertThat(get(node, "/closed").statusCode()).as("Redis enforces the limit again").isEqualTo(429));
            assertThat(node.metrics().scrape()).contains("gatehouse_ratelimit_redis_available 1.0");
        } finally {
            redis.stop();
        }
    }
    @Test
    void aRedisThatStopsAnsweringCostsAtMostTheTimeoutAndEveryRequestIsAnswered() throws Exception {
        // accepts connections and reads commands but never replies: every decision must end by its timeout
        io.vertx.core.net.NetServer silent = vertx.createNetServer().connectHandler(socket -> socket.handler(bytes -> { }));
        int port = silent.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get().actualPort();
        try {
            GatewayNode node = node("redis: {url: \"redis://127.0.0.1:" + port + "\", timeout: 100ms}", failurePolicyRoutes(1000));
            java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(8);
            try {
                List<java.util.concurrent.Future<HttpResponse<String>>> calls = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    String path = i % 2 == 0 ? "/open" : "/closed";
                    calls.add(clients.submit(() -> get(node, path)));
                }
                for (int i = 0; i < calls.size(); i++) {
                    HttpResponse<String> response = calls.get(i).get(10, java.util.concurrent.TimeUnit.SECONDS);
                    assertThat(response.statusCode()).as("request %d", i).isEqualTo(i % 2 == 0 ? 200 : 503);
                }
            } finally {
                clients.shutdownNow();
            }
        } finally {
            silent.close();
        }
    }
}
