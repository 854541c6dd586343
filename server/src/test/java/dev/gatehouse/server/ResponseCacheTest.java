package dev.gatehouse.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ResponseCacheTest {

    static TestBed bed;
    static TestUpstream upstream;
    static GatewayHarness gateway;
    static final AtomicInteger version = new AtomicInteger();

    @BeforeAll
    static void start() {
        bed = new TestBed();
        upstream = bed.upstream("svc");
        upstream.handler(request -> {
            String path = request.path();
            String body = "{\"path\":\"" + path + "\",\"version\":" + version.get() + ",\"accept\":\"" + request.getHeader("accept") + "\"}";
            if (path.startsWith("/slow")) {
                bed.vertx.setTimer(300, t -> request.response().putHeader("cache-control", "max-age=60").end(body));
            } else if (path.startsWith("/nostore")) {
                request.response().putHeader("cache-control", "no-store").end(body);
            } else if (path.startsWith("/varied")) {
                request.response().putHeader("cache-control", "max-age=60").putHeader("vary", "Accept").end(body);
            } else if (path.startsWith("/tagged")) {
                request.response().putHeader("cache-control", "max-age=60").putHeader("surrogate-key", "items item-7").end(body);
            } else if (path.startsWith("/etag")) {
                request.response().putHeader("cache-control", "max-age=60").putHeader("etag", "\"v7\"")
                        .putHeader("last-modified", "Fri, 27 Nov 2026 10:00:00 GMT").end(body);
            } else if (path.startsWith("/big")) {
                request.response().putHeader("cache-control", "max-age=60").end("x".repeat(20_000) + path);
            } else if (request.method().name().equals("PUT")) {
                version.incrementAndGet();
                request.response().end("{}");
            } else {
                request.response().putHeader("cache-control", "max-age=60").end(body);
            }
        });
        gateway = GatewayHarness.start(bed.database, """
                cache: {maxBytes: 1MiB, l1Ttl: 1m}
                upstreams:
                  svc: {targets: [{url: "%s"}]}
                routes:
                  - {name: cached, match: {prefix: /c}, upstream: svc, stripPrefix: true, cache: {ttl: 30s}}
                  - {name: other, match: {prefix: /o}, upstream: svc, stripPrefix: true, cache: {ttl: 30s}}
                  - {name: uncached, match: {prefix: /u}, upstream: svc, stripPrefix: true}
                  - {name: mine, match: {prefix: /m}, upstream: svc, stripPrefix: true, auth: {mode: required, accept: [api-key]}, cache: {ttl: 30s, perCaller: true}}
                  - {name: reads, match: {prefix: /w, methods: [GET, HEAD]}, upstream: svc, stripPrefix: true, cache: {ttl: 30s}}
                  - {name: writes, match: {prefix: /w, methods: [PUT, POST, PATCH, DELETE]}, upstream: svc, stripPrefix: true}
                """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        bed.close();
    }

    @Test
    void aSecondRequestIsServedFromTheCacheWithAge() {
        int before = upstream.requests();
        HttpResponse<String> first = gateway.get("/c/items/1?b=2&a=1");
        HttpResponse<String> second = gateway.get("/c/items/1?a=1&b=2");
        assertThat(first.headers().firstValue("x-cache")).hasValue("MISS");
        assertThat(second.headers().firstValue("x-cache")).hasValue("HIT-L1");
        assertThat(second.headers().firstValue("age")).isPresent();
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(second.headers().firstValue("x-request-id")).isNotEqualTo(first.headers().firstValue("x-request-id"));
        assertThat(upstream.requests() - before).isEqualTo(1);
        assertThat(gateway.get("/u/items/1").headers().firstValue("x-cache")).as("routes without a cache are untouched").isEmpty();
    }

    @Test
    void aConditionalRequestThatMatchesTheStoredAnswerGetsNotModified() {
        HttpResponse<String> first = gateway.get("/c/etag/1");
        assertThat(first.statusCode()).isEqualTo(200);
        HttpResponse<String> same = gateway.get("/c/etag/1", "If-None-Match", "W/\"v7\"");
        assertThat(same.statusCode()).isEqualTo(304);
        assertThat(same.body()).isEmpty();
        assertThat(same.headers().firstValue("etag")).hasValue("\"v7\"");
        assertThat(same.headers().firstValue("x-cache")).hasValue("HIT-L1");
        assertThat(same.headers().firstValue("content-type")).as("no representation metadata on a 304").isEmpty();
        assertThat(gateway.get("/c/etag/1", "If-None-Match", "\"v6\"").statusCode()).isEqualTo(200);
        assertThat(gateway.get("/c/etag/1", "If-Modified-Since", "Sat, 28 Nov 2026 10:00:00 GMT").statusCode()).isEqualTo(304);
        assertThat(gateway.get("/c/etag/1", "If-Modified-Since", "Thu, 26 Nov 2026 10:00:00 GMT").body()).contains("/etag/1");
    }

    @Test
    void noStoreAnswersAreNotKept() {
        int before = upstream.requests();
        gateway.get("/c/nostore");
        assertThat(gateway.get("/c/nostore").headers().firstValue("x-cache")).hasValue("MISS");
        assertThat(upstream.requests() - before).isEqualTo(2);
    }

    @Test
    void variedHeadersArePartOfTheKey() {
        HttpResponse<String> json = gateway.get("/c/varied", "Accept", "application/json");
        HttpResponse<String> xml = gateway.get("/c/varied", "Accept", "application/xml");
        assertThat(xml.body()).contains("application/xml").isNotEqualTo(json.body());
        assertThat(gateway.get("/c/varied", "Accept", "application/json").headers().firstValue("x-cache")).hasValue("HIT-L1");
    }

    @Test
    void concurrentMissesForOneKeyMakeOneUpstreamCall() throws Exception {
        int before = upstream.requests();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<CompletableFuture<HttpResponse<String>>> calls = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> gateway.get("/c/slow/report"), pool));
        }
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            assertThat(call.get().statusCode()).isEqualTo(200);
            assertThat(call.get().body()).contains("/slow/report");
        }
        pool.shutdown();
        assertThat(upstream.requests() - before).isEqualTo(1);
    }

    @Test
    void aSuccessfulWriteDropsTheCachedResource() {
        gateway.get("/c/items/9");
        assertThat(gateway.get("/c/items/9").headers().firstValue("x-cache")).hasValue("HIT-L1");
        HttpResponse<String> put = gateway.send(HttpRequest.newBuilder(gateway.uri("/c/items/9"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"name\":\"x\"}")).build());
        assertThat(put.statusCode()).isEqualTo(200);
        HttpResponse<String> after = gateway.get("/c/items/9");
        assertThat(after.headers().firstValue("x-cache")).hasValue("MISS");
    }

    @Test
    void aWriteThroughAnotherRouteDropsWhatACachedRouteHoldsForThePath() {
        gateway.get("/w/items/3");
        assertThat(gateway.get("/w/items/3").headers().firstValue("x-cache")).hasValue("HIT-L1");
        HttpResponse<String> put = gateway.send(HttpRequest.newBuilder(gateway.uri("/w/items/3"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"name\":\"x\"}")).build());
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.headers().firstValue("x-cache")).as("the write route has no cache of its own").isEmpty();
        assertThat(gateway.get("/w/items/3").headers().firstValue("x-cache")).hasValue("MISS");
    }

    @Test
    void nothingCachedForOneRouteIsServedForAnother() {
        gateway.get("/c/shared");
        assertThat(gateway.get("/o/shared").headers().firstValue("x-cache")).hasValue("MISS");
    }

    @Test
    void onAPerCallerRouteOneCallersAnswerIsNeverServedToAnother() throws Exception {
        String alice = gateway.node().identities().keys().create("alice", "free", List.of(), null, null).key();
        String bob = gateway.node().identities().keys().create("bob", "free", List.of(), null, null).key();
        int before = upstream.requests();
        assertThat(gateway.get("/m/profile", "X-API-Key", alice).headers().firstValue("x-cache")).hasValue("MISS");
        assertThat(gateway.get("/m/profile", "X-API-Key", alice).headers().firstValue("x-cache")).hasValue("HIT-L1");
        assertThat(gateway.get("/m/profile", "X-API-Key", bob).headers().firstValue("x-cache")).as("bob gets his own answer").hasValue("MISS");
        assertThat(gateway.get("/m/profile", "X-API-Key", bob).headers().firstValue("x-cache")).hasValue("HIT-L1");
        assertThat(gateway.get("/m/profile").statusCode()).as("the cache never answers before authentication").isEqualTo(401);
        assertThat(upstream.requests() - before).isEqualTo(2);
    }

    @Test
    void authenticatedRequestsAreNotStoredOnAPrivateRoute() {
        gateway.get("/c/mine", "Authorization", "Bearer something");
        assertThat(gateway.get("/c/mine", "Authorization", "Bearer something").headers().firstValue("x-cache")).hasValue("MISS");
    }

    private HttpResponse<String> adminPost(String path, String body, String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + gateway.node().adminPort() + path))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("x-api-key", key);
        }
        return gateway.send(request.build());
    }

    @Test
    void adminsPurgeByTagPrefixAndPathAndReadStatistics() throws Exception {
        String admin = gateway.node().identities().keys().create("ops", "enterprise", List.of("admin"), null, null).key();
        gateway.get("/c/tagged/7");
        gateway.get("/c/catalog/a");
        gateway.get("/c/catalog/b");
        gateway.get("/c/single");
        assertThat(gateway.get("/c/tagged/7").headers().firstValue("x-cache")).hasValue("HIT-L1");

        assertThat(adminPost("/cache/purge", "{\"tag\": \"item-7\"}", null).statusCode()).isEqualTo(401);
        assertThat(adminPost("/cache/purge", "{\"tag\": \"item-7\"}", admin).body()).contains("\"purged\":1");
        assertThat(gateway.get("/c/tagged/7").headers().firstValue("x-cache")).hasValue("MISS");

        assertThat(adminPost("/cache/purge", "{\"prefix\": \"/c/catalog\"}", admin).body()).contains("\"purged\":2");
        assertThat(gateway.get("/c/catalog/a").headers().firstValue("x-cache")).hasValue("MISS");

        assertThat(adminPost("/cache/purge", "{\"route\": \"cached\", \"path\": \"/c/single\"}", admin).body()).contains("\"purged\":1");
        assertThat(adminPost("/cache/purge", "{\"nothing\": 1}", admin).statusCode()).isEqualTo(400);
        assertThat(adminPost("/cache/purge", "{\"paht\": \"/c/single\"}", admin).body()).contains("unknown field 'paht'; did you mean 'path'?");
        assertThat(adminPost("/cache/purge", "{\"path\": \"c/single\"}", admin).body()).contains("'path' must start with '/'");
        assertThat(adminPost("/cache/purge", "{\"tag\": \"a\", \"path\": \"/c/single\"}", admin).body()).contains("send one of");

        HttpResponse<String> stats = gateway.send(HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + gateway.node().adminPort() + "/cache"))
                .header("x-api-key", admin).build());
        assertThat(stats.body()).contains("\"hits\"", "\"misses\"", "\"entries\"", "\"bytes\"");
        assertThat(adminPost("/cache/clear", "{}", admin).statusCode()).isEqualTo(200);
        assertThat(gateway.get("/c/catalog/a").headers().firstValue("x-cache")).hasValue("MISS");
    }

    @Test
    void theCacheStaysWithinItsByteBudget() {
        for (int i = 0; i < 200; i++) {
            gateway.get("/c/big/" + i);
        }
        String metrics = gateway.admin("/metrics").body();
        double weight = metrics.lines().filter(l -> l.startsWith("cache_eviction_weight_total{cache=\"responses\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        assertThat(weight).as("entries were evicted to stay under 1 MiB").isPositive();
    }

    @Test
    void lookupsAndRequestsCountTheSameMissesAndHitsOnARouteWithoutRedis() {
        String before = gateway.admin("/metrics").body();
        for (int round = 0; round < 2; round++) {
            for (int i = 1; i <= 4; i++) {
                assertThat(gateway.get("/c/agree-" + i).headers().firstValue("x-cache")).hasValue(round == 0 ? "MISS" : "HIT-L1");
            }
        }
        String after = gateway.admin("/metrics").body();
        for (String result : new String[]{"miss", "hit-l1"}) {
            String lookups = "gatehouse_cache_lookups_total{cache=\"responses\",result=\"" + result + "\"}";
            String requests = "gatehouse_cache_requests_total{result=\"" + result + "\",route=\"cached\"}";
            assertThat(AdminAndStorageTest.metric(after, requests) - AdminAndStorageTest.metric(before, requests)).as(requests).isEqualTo(4);
            assertThat(AdminAndStorageTest.metric(after, lookups) - AdminAndStorageTest.metric(before, lookups)).as(lookups).isEqualTo(4);
        }
    }
}
