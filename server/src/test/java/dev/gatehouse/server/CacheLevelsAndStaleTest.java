package dev.gatehouse.server;

import dev.gatehouse.core.time.ManualTicker;
import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.RespClient;
import dev.gatehouse.testkit.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two nodes sharing Redis, time driven by a manual ticker: answers stored by one node are found in Redis
 * by the other (HIT-L2), outlive process memory, are served stale while refreshed or while the upstream
 * fails, and purges reach Redis.
 */
class CacheLevelsAndStaleTest {

    static TestBed bed;
    static RedisNamespace namespace;
    static TestUpstream upstream;
    static TestUpstream doomed;
    static GatewayHarness first;
    static GatewayHarness second;
    static final ManualTicker ticker = new ManualTicker();
    static final Map<String, AtomicInteger> versions = new ConcurrentHashMap<>();
    static volatile boolean failing;

    @BeforeAll
    static void start() {
        bed = new TestBed();
        namespace = TestRedis.newNamespace();
        upstream = bed.upstream("svc");
        upstream.handler(request -> {
            String path = request.path();
            int version = versions.computeIfAbsent(path, p -> new AtomicInteger()).get();
            if (failing) {
                request.response().setStatusCode(500).end("{\"error\":\"down\"}");
                return;
            }
            String cacheControl = path.startsWith("/swr") ? "max-age=10, stale-while-revalidate=60"
                    : path.startsWith("/sie") ? "max-age=10, stale-if-error=60"
                    : path.startsWith("/silent") ? "max-age=10"
                    : "max-age=300";
            request.response().putHeader("cache-control", cacheControl).putHeader("surrogate-key", "all")
                    .end("{\"path\":\"" + path + "\",\"version\":" + version + "}");
        });
        doomed = bed.upstream("doomed");
        doomed.handler(request -> request.response().putHeader("cache-control", "max-age=10, stale-if-error=60").end("{\"from\":\"doomed\"}"));
        String body = """
                redis: {url: "%s", keyPrefix: "%s"}
                cache: {maxBytes: 4MiB, l1Ttl: 2s}
                upstreams:
                  svc: {targets: [{url: "%s"}]}
                  doomed: {targets: [{url: "%s"}]}
                routes:
                  - {name: cached, match: {prefix: /c}, upstream: svc, stripPrefix: true, cache: {ttl: 30s, maxStale: 5m}}
                  - {name: lenient, match: {prefix: /l}, upstream: svc, stripPrefix: true, cache: {ttl: 30s, staleIfError: 1m}}
                  - {name: gone, match: {prefix: /g}, upstream: doomed, stripPrefix: true, retries: 0, cache: {ttl: 30s, maxStale: 5m}}
                """.formatted(TestRedis.url(), namespace.prefix(), upstream.url(), doomed.url());
        first = GatewayHarness.start(bed.database, "", body, ticker);
        second = GatewayHarness.start(bed.database, "", body, ticker);
    }

    @AfterAll
    static void stop() {
        first.close();
        second.close();
        bed.close();
        namespace.close();
    }

    /** Waits until the answer a node stored for {@code path} on {@code route} is in Redis (the write is not awaited by requests). */
    static void awaitInRedis(String route, String path) {
        await().atMost(Duration.ofSeconds(2)).until(() -> {
            try (RespClient redis = new RespClient(TestRedis.host(), TestRedis.port())) {
                List<?> reply = (List<?>) redis.command("SCAN", "0", "MATCH", namespace.prefix() + "cache:responses:" + route + "*" + path + "*",
                        "COUNT", "1000000");
                return !((List<?>) reply.get(1)).isEmpty();
            }
        });
    }

    static String cache(HttpResponse<String> response) {
        return response.headers().firstValue("x-cache").orElse("none");
    }

    @Test
    void anAnswerStoredByOneNodeIsFoundInRedisByAnother() {
        int before = upstream.requests();
        HttpResponse<String> stored = first.get("/c/shared/1");
        awaitInRedis("cached", "/c/shared/1");
        HttpResponse<String> fromRedis = second.get("/c/shared/1");
        HttpResponse<String> fromMemory = second.get("/c/shared/1");
        assertThat(cache(stored)).isEqualTo("MISS");
        assertThat(cache(fromRedis)).isEqualTo("HIT-L2");
        assertThat(cache(fromMemory)).isEqualTo("HIT-L1");
        assertThat(fromRedis.body()).isEqualTo(stored.body());
        assertThat(fromRedis.headers().firstValue("cache-control")).hasValue("max-age=300");
        assertThat(upstream.requests() - before).isEqualTo(1);
    }

    @Test
    void lookupsAndRequestsCountTheSameMissesAndHitsAtEachLevel() {
        String firstBefore = first.admin("/metrics").body();
        String secondBefore = second.admin("/metrics").body();
        for (int i = 1; i <= 3; i++) {
            assertThat(cache(first.get("/c/counted/" + i))).isEqualTo("MISS");
            awaitInRedis("cached", "/c/counted/" + i);
            assertThat(cache(second.get("/c/counted/" + i))).isEqualTo("HIT-L2");
            assertThat(cache(second.get("/c/counted/" + i))).isEqualTo("HIT-L1");
        }
        assertCounted(firstBefore, first.admin("/metrics").body(), "miss", 3);
        assertCounted(secondBefore, second.admin("/metrics").body(), "hit-l2", 3);
        assertCounted(secondBefore, second.admin("/metrics").body(), "hit-l1", 3);
    }

    private static void assertCounted(String before, String after, String result, int expected) {
        String lookups = "gatehouse_cache_lookups_total{cache=\"responses\",result=\"" + result + "\"}";
        String requests = "gatehouse_cache_requests_total{result=\"" + result + "\",route=\"cached\"}";
        assertThat(AdminAndStorageTest.metric(after, requests) - AdminAndStorageTest.metric(before, requests)).as(requests).isEqualTo(expected);
        assertThat(AdminAndStorageTest.metric(after, lookups) - AdminAndStorageTest.metric(before, lookups)).as(lookups).isEqualTo(expected);
    }

    @Test
    void redisKeepsAnAnswerAfterProcessMemoryLetsItGo() {
        first.get("/c/kept/1");
        awaitInRedis("cached", "/c/kept/1");
        assertThat(cache(first.get("/c/kept/1"))).isEqualTo("HIT-L1");
        ticker.advance(Duration.ofSeconds(3)); // past l1Ttl (2 s), well within the route's 30 s
        HttpResponse<String> later = first.get("/c/kept/1");
        assertThat(cache(later)).isEqualTo("HIT-L2");
        assertThat(Integer.parseInt(later.headers().firstValue("age").orElseThrow())).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aStaleAnswerIsServedWhileOneBackgroundRequestRefreshesIt() {
        HttpResponse<String> original = first.get("/c/swr/report");
        assertThat(original.body()).contains("\"version\":0");
        versions.get("/swr/report").incrementAndGet();
        ticker.advance(Duration.ofSeconds(15)); // past max-age=10, within stale-while-revalidate=60
        int before = upstream.requests();

        HttpResponse<String> stale = first.get("/c/swr/report");
        assertThat(cache(stale)).isEqualTo("STALE");
        assertThat(stale.body()).contains("\"version\":0");
        assertThat(Integer.parseInt(stale.headers().firstValue("age").orElseThrow())).isGreaterThanOrEqualTo(15);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            HttpResponse<String> refreshed = first.get("/c/swr/report");
            assertThat(refreshed.body()).contains("\"version\":1");
            assertThat(cache(refreshed)).startsWith("HIT");
        });
        assertThat(upstream.requests() - before).as("one background refresh").isEqualTo(1);
    }

    @Test
    void staleIfErrorAnswersWhileTheUpstreamFailsAndNotBeyondItsWindow() {
        HttpResponse<String> original = first.get("/c/sie/item");
        ticker.advance(Duration.ofSeconds(15)); // stale, within stale-if-error=60
        failing = true;
        try {
            HttpResponse<String> rescued = first.get("/c/sie/item");
            assertThat(rescued.statusCode()).isEqualTo(200);
            assertThat(cache(rescued)).isEqualTo("STALE");
            assertThat(rescued.body()).isEqualTo(original.body());

            ticker.advance(Duration.ofSeconds(60)); // 75 s old: past max-age + stale-if-error
            HttpResponse<String> tooOld = first.get("/c/sie/item");
            assertThat(tooOld.statusCode()).isEqualTo(500);
        } finally {
            failing = false;
        }
        HttpResponse<String> recovered = first.get("/c/sie/item");
        assertThat(recovered.statusCode()).isEqualTo(200);
        assertThat(cache(recovered)).isEqualTo("MISS");
    }

    @Test
    void theRouteCanServeStaleOnErrorWhenTheUpstreamIsSilentAboutIt() {
        HttpResponse<String> original = first.get("/l/silent/1");
        ticker.advance(Duration.ofSeconds(15));
        failing = true;
        try {
            HttpResponse<String> rescued = first.get("/l/silent/1");
            assertThat(cache(rescued)).isEqualTo("STALE");
            assertThat(rescued.body()).isEqualTo(original.body());
        } finally {
            failing = false;
        }
    }

    @Test
    void staleIfErrorAnswersWhenTheUpstreamIsUnreachable() {
        HttpResponse<String> original = first.get("/g/thing");
        assertThat(original.statusCode()).isEqualTo(200);
        ticker.advance(Duration.ofSeconds(15));
        doomed.stop();
        try {
            HttpResponse<String> rescued = first.get("/g/thing");
            assertThat(rescued.statusCode()).isEqualTo(200);
            assertThat(cache(rescued)).isEqualTo("STALE");
            assertThat(rescued.body()).contains("doomed");
            HttpResponse<String> nothingStored = first.get("/g/other");
            assertThat(nothingStored.statusCode()).isEqualTo(502);
        } finally {
            doomed.restart();
        }
    }

    @Test
    void aPurgeOnOneNodeDropsTheRedisCopyForEveryNode() throws Exception {
        first.get("/c/purged/1");
        awaitInRedis("cached", "/c/purged/1");
        assertThat(cache(second.get("/c/purged/1"))).isEqualTo("HIT-L2");
        String admin = first.node().identities().keys().create("ops", "enterprise", List.of("admin"), null, null).key();
        HttpResponse<String> purged = first.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + first.node().adminPort() + "/cache/purge"))
                .header("x-api-key", admin).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"route\": \"cached\", \"path\": \"/c/purged/1\"}")).build());
        assertThat(purged.statusCode()).isEqualTo(200);
        assertThat(purged.body()).contains("\"purged\":1");
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(cache(second.get("/c/purged/1"))).isEqualTo("MISS"));

        first.get("/c/catalog/a");
        first.get("/c/catalog/b");
        awaitInRedis("cached", "/c/catalog/a");
        awaitInRedis("cached", "/c/catalog/b");
        assertThat(cache(second.get("/c/catalog/a"))).isEqualTo("HIT-L2");
        HttpResponse<String> byPrefix = first.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + first.node().adminPort() + "/cache/purge"))
                .header("x-api-key", admin).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prefix\": \"/c/catalog\"}")).build());
        assertThat(byPrefix.body()).contains("\"purged\":2");
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(cache(second.get("/c/catalog/a"))).isEqualTo("MISS"));
        assertThat(cache(second.get("/c/catalog/b"))).as("gone from Redis too, though the second node never held it").isEqualTo("MISS");

        HttpResponse<String> stats = first.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.node().adminPort() + "/cache"))
                .header("x-api-key", admin).build());
        assertThat(stats.body()).contains("\"l1Hits\"", "\"l2Hits\"", "\"staleServed\"", "\"evictions\"", "\"l2\" : \"available\"");
        assertThat(first.admin("/metrics").body()).as("the same figures for Prometheus").contains(
                "gatehouse_cache_responses_total{result=\"hit-l1\"}", "gatehouse_cache_responses_total{result=\"hit-l2\"}",
                "gatehouse_cache_responses_total{result=\"stale\"}", "gatehouse_cache_responses_total{result=\"miss\"}",
                "gatehouse_cache_bytes{cache=\"responses\"}", "cache_size{cache=\"responses\"}",
                "cache_evictions_total{cache=\"responses\"}", "gatehouse_cache_l2_available 1.0");
    }
    @Test
    void aRedisThatStopsAnsweringOnlyCostsTheTimeout() throws Exception {
        // accepts connections and reads commands but never replies
        io.vertx.core.net.NetServer silent = bed.vertx.createNetServer().connectHandler(socket -> socket.handler(bytes -> { }));
        int port = TestUpstream.await(silent.listen(0, "127.0.0.1")).actualPort();
        try (GatewayHarness node = GatewayHarness.start(bed.database, "", """
                redis: {url: "redis://127.0.0.1:%d", timeout: 100ms}
                upstreams:
                  svc: {targets: [{url: "%s"}]}
                routes:
                  - {name: cached, match: {prefix: /c}, upstream: svc, stripPrefix: true, cache: {ttl: 30s}}
                """.formatted(port, upstream.url()), ticker)) {
            java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(8);
            try {
                List<java.util.concurrent.Future<HttpResponse<String>>> calls = new java.util.ArrayList<>();
                for (int i = 0; i < 24; i++) {
                    String path = "/c/silent/" + (i % 6);
                    calls.add(clients.submit(() -> node.get(path)));
                }
                for (java.util.concurrent.Future<HttpResponse<String>> call : calls) {
                    HttpResponse<String> response = call.get(10, java.util.concurrent.TimeUnit.SECONDS);
                    assertThat(response.statusCode()).isEqualTo(200);
                    assertThat(cache(response)).isIn("MISS", "HIT-L1");
                }
            } finally {
                clients.shutdownNow();
            }
        } finally {
            silent.close();
        }
    }
}
