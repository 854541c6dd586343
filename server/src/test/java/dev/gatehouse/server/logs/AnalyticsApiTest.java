package dev.gatehouse.server.logs;

import dev.gatehouse.core.time.ManualTicker;
import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.gatehouse.server.logs.RequestLogRows.bucketMs;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request log's analytics and search on the admin API, over rollups and rows written straight into PostgreSQL:
 * what {@code /analytics/summary}, {@code /analytics/series} and {@code /logs} answer, and what they refuse.
 */
class AnalyticsApiTest {

    static final ManualTicker clock = new ManualTicker();
    static Vertx vertx;
    static TestDatabase database;
    static GatewayNode node;
    static String adminKey;
    static Instant now;
    static Instant thisMinute;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        node = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 3}}
                observability: {accessLog: "off"}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                  - {name: orders, match: {prefix: /orders}, upstream: svc}
                """.formatted(database.jdbcUrl(), TestNodes.okUpstream(vertx)), clock);
        adminKey = node.identities().keys().create("operator", "enterprise", List.of("admin"), null, null).key();
        now = clock.instant();
        thisMinute = Analytics.floorMinute(now);
        RequestLogRows rows = new RequestLogRows(database);
        // in the last 15 minutes: 100 requests on two routes and two tiers
        rows.rollup(minutesAgo(1), "orders", 2, "pro", 80, 2_000, 0, 60, 80);
        rows.rollup(minutesAgo(2), "orders", 5, "pro", 5, 500_000, 0, 0, 0);
        rows.rollup(minutesAgo(3), "catalog", 2, "free", 10, 1_000, 0, 0, 0);
        rows.rollup(minutesAgo(3), "catalog", 4, "free", 5, 1_000, 3, 0, 0);
        rows.keyRollup(minutesAgo(1), 7, 50, 5, 0);
        rows.keyRollup(minutesAgo(2), 9, 20, 0, 3);
        rows.keyRollup(minutesAgo(2), 0, 30, 0, 0);
        // half an hour ago: outside a 15-minute summary
        rows.rollup(minutesAgo(30), "orders", 5, "pro", 1000, 10_000_000, 0, 0, 0);
        rows.keyRollup(minutesAgo(30), 7, 1000, 0, 0);

        // raw rows: ten by key 7 on orders (1 ms to 10 ms), four by key 9 on catalog
        for (int i = 1; i <= 10; i++) {
            int status = i == 10 ? 503 : i == 9 ? 429 : 200;
            rows.row(now.minusSeconds(60 + i), "key7-" + i, "orders", status, i * 1_000L, 7L, "pro", i <= 5 ? (i <= 3 ? "HIT-L1" : "MISS") : null);
        }
        for (int i = 1; i <= 4; i++) {
            rows.row(now.minusSeconds(120 + i), "key9-" + i, "catalog", 200, 1_000, 9L, "free", null);
        }
    }

    static Instant minutesAgo(int minutes) {
        return thisMinute.minus(Duration.ofMinutes(minutes));
    }

    @AfterAll
    static void stop() {
        node.close();
        vertx.close();
        database.close();
    }

    static HttpResponse<String> admin(String pathAndQuery, String... headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + pathAndQuery))
                    .timeout(Duration.ofSeconds(20));
            if (headers.length > 0) {
                request.headers(headers);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonObject ok(String pathAndQuery) {
        HttpResponse<String> response = admin(pathAndQuery, "x-api-key", adminKey);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new JsonObject(response.body());
    }

    static String refused(String pathAndQuery) {
        HttpResponse<String> response = admin(pathAndQuery, "x-api-key", adminKey);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        return new JsonObject(response.body()).getString("detail");
    }

    @Test
    void theSummaryAddsUpTheRangesRollupsWithPercentilesFromTheirHistograms() {
        JsonObject s = ok("/analytics/summary?since=15m");
        assertThat(s.getString("source")).isEqualTo("rollups");
        assertThat(s.getLong("requests")).as("the half hour old minute is outside").isEqualTo(100);
        assertThat(s.getLong("errors")).isEqualTo(5);
        assertThat(s.getDouble("errorRate")).isEqualTo(0.05);
        assertThat(s.getLong("clientErrors")).isEqualTo(5);
        assertThat(s.getLong("rateLimited")).isEqualTo(3);
        assertThat(s.getDouble("cacheHitRatio")).isEqualTo(0.75);
        assertThat(s.getLong("bytesOut")).isEqualTo(100_000);
        // 15 at 1 ms, 80 at 2 ms, 5 at 500 ms
        JsonObject latency = s.getJsonObject("latencyMs");
        assertThat(latency.getDouble("p50")).isEqualTo(bucketMs(2_000));
        assertThat(latency.getDouble("p95")).isEqualTo(bucketMs(2_000));
        assertThat(latency.getDouble("p99")).isEqualTo(bucketMs(500_000));
        assertThat(latency.getDouble("mean")).isEqualTo((15 * 1_000 + 80 * 2_000 + 5 * 500_000) / 100 / 1000.0);
        assertThat(s.getJsonArray("topRoutes").stream().map(JsonObject.class::cast).map(r -> r.getString("route") + ":" + r.getLong("requests")
                + ":" + r.getLong("errors"))).containsExactly("orders:85:5", "catalog:15:0");
        assertThat(s.getJsonArray("topKeys").stream().map(JsonObject.class::cast).map(k -> k.getLong("key") + ":" + k.getLong("requests")))
                .as("per-key rollups; key 0 is everyone past each node's top callers").containsExactly("7:50", "9:20");
        assertThat(s.getJsonArray("statuses").stream().map(JsonObject.class::cast).map(c -> c.getString("status") + ":" + c.getLong("requests")))
                .containsExactly("2xx:90", "4xx:5", "5xx:5");
        assertThat(Instant.parse(s.getString("from"))).as("rollups are whole minutes").isEqualTo(Analytics.floorMinute(now.minus(Duration.ofMinutes(15))));
        assertThat(s.getDouble("requestsPerSecond")).isPositive();

        assertThat(ok("/analytics/summary?since=1h").getLong("requests")).as("an hour takes in the older minute").isEqualTo(1100);
        assertThat(ok("/analytics/summary?from=" + minutesAgo(3) + "&until=" + minutesAgo(2)).getLong("requests"))
                .as("from and until as instants: the minute they start").isEqualTo(15);
    }

    @Test
    void aRouteOrTierNarrowsTheSummaryAndItsTopKeysComeFromRawRows() {
        JsonObject catalog = ok("/analytics/summary?since=15m&route=catalog");
        assertThat(catalog.getLong("requests")).isEqualTo(15);
        assertThat(catalog.getLong("errors")).isZero();
        assertThat(catalog.getLong("rateLimited")).isEqualTo(3);
        assertThat(catalog.getValue("cacheHitRatio")).as("no request went to a cached route").isNull();
        assertThat(catalog.getJsonArray("topKeys").stream().map(JsonObject.class::cast).map(k -> k.getLong("key") + ":" + k.getLong("requests")))
                .containsExactly("9:4");
        JsonObject pro = ok("/analytics/summary?since=15m&tier=pro");
        assertThat(pro.getLong("requests")).isEqualTo(85);
        assertThat(pro.getJsonObject("filter").getString("tier")).isEqualTo("pro");
        assertThat(ok("/analytics/summary?since=15m&route=nothing-here").getLong("requests")).isZero();
    }

    @Test
    void aSummaryForOneKeyReadsItsRawRowsWithExactPercentiles() {
        JsonObject s = ok("/analytics/summary?since=15m&key=7");
        assertThat(s.getString("source")).isEqualTo("rows");
        assertThat(s.getLong("requests")).isEqualTo(10);
        assertThat(s.getLong("errors")).isEqualTo(1);
        assertThat(s.getLong("rateLimited")).isEqualTo(1);
        assertThat(s.getLong("clientErrors")).isEqualTo(1);
        assertThat(s.getDouble("cacheHitRatio")).isEqualTo(0.6);
        assertThat(s.getJsonObject("latencyMs").getDouble("p50")).isEqualTo(5.0);
        assertThat(s.getJsonObject("latencyMs").getDouble("p95")).isEqualTo(10.0);
        assertThat(s.getJsonArray("topRoutes").getJsonObject(0).getString("route")).isEqualTo("orders");
        assertThat(refused("/analytics/summary?since=8d&key=7"))
                .isEqualTo("the range is at most 7d (one key's analytics read raw rows, kept logs.retention), got 8d");
    }

    @Test
    void theSeriesHasAPointPerStepWithZerosForQuietSteps() {
        JsonObject series = ok("/analytics/series?since=10m&step=1m");
        JsonArray points = series.getJsonArray("points");
        assertThat(series.getString("step")).isEqualTo("1m");
        assertThat(points).hasSize(11);
        assertThat(Instant.parse(points.getJsonObject(0).getString("time"))).isEqualTo(Analytics.floorMinute(now.minus(Duration.ofMinutes(10))));
        JsonObject one = point(points, minutesAgo(1));
        assertThat(one.getLong("requests")).isEqualTo(80);
        assertThat(one.getDouble("p95Ms")).isEqualTo(bucketMs(2_000));
        JsonObject two = point(points, minutesAgo(2));
        assertThat(two.getLong("errors")).isEqualTo(5);
        assertThat(point(points, minutesAgo(3)).getLong("rateLimited")).isEqualTo(3);
        JsonObject quiet = point(points, minutesAgo(5));
        assertThat(quiet.getLong("requests")).isZero();
        assertThat(quiet.getValue("p95Ms")).isNull();
        assertThat(points.stream().mapToLong(p -> ((JsonObject) p).getLong("requests")).sum()).isEqualTo(100);

        JsonObject hourly = ok("/analytics/series?since=2h&step=1h");
        assertThat(hourly.getJsonArray("points").stream().mapToLong(p -> ((JsonObject) p).getLong("requests")).sum()).isEqualTo(1100);
        assertThat(ok("/analytics/series?since=24h").getString("step")).as("about 60 points by default").isEqualTo("24m");
        JsonObject byKey = ok("/analytics/series?since=15m&step=5m&key=7");
        assertThat(byKey.getString("source")).isEqualTo("rows");
        assertThat(byKey.getJsonArray("points").stream().mapToLong(p -> ((JsonObject) p).getLong("requests")).sum()).isEqualTo(10);

        assertThat(refused("/analytics/series?since=1h&step=30s")).isEqualTo("step must be whole minutes such as 1m, 5m or 1h (rollups are per minute), got 30s");
        assertThat(refused("/analytics/series?since=7d&step=1m")).startsWith("a step of 1m over 7d makes 10081 points, at most 1440: use a step of at least ");
    }

    private static JsonObject point(JsonArray points, Instant at) {
        return points.stream().map(JsonObject.class::cast).filter(p -> Instant.parse(p.getString("time")).equals(at)).findFirst().orElseThrow();
    }

    @Test
    void logsAreFoundByRequestIdStatusRouteAndKeyNewestFirst() {
        JsonArray byId = new JsonArray(admin("/logs?requestId=key7-3", "x-api-key", adminKey).body());
        assertThat(byId).hasSize(1);
        JsonObject row = byId.getJsonObject(0);
        assertThat(row.getString("route")).isEqualTo("orders");
        assertThat(row.getString("subject")).isEqualTo("key:7");
        assertThat(row.getLong("keyId")).isEqualTo(7);
        assertThat(row.getInteger("status")).isEqualTo(200);
        assertThat(row.getLong("durationUs")).isEqualTo(3_000);
        assertThat(row.getString("cache")).isEqualTo("HIT-L1");
        assertThat(Instant.parse(row.getString("time"))).isEqualTo(now.minusSeconds(63));

        assertThat(requestIds("/logs?status=5xx")).containsExactly("key7-10");
        assertThat(requestIds("/logs?status=429")).containsExactly("key7-9");
        assertThat(requestIds("/logs?status=2xx&route=catalog")).containsExactly("key9-1", "key9-2", "key9-3", "key9-4");
        assertThat(requestIds("/logs?key=9&limit=2")).containsExactly("key9-1", "key9-2");
        assertThat(requestIds("/logs?subject=key:9")).hasSize(4);
        assertThat(requestIds("/logs?since=90s")).as("newest first").containsExactly("key7-1", "key7-2", "key7-3", "key7-4", "key7-5",
                "key7-6", "key7-7", "key7-8", "key7-9", "key7-10");
    }

    @Test
    void logsComeAPageAtATimeAndTheNextLinkKeepsTheFiltersAndTheRange() {
        List<String> seen = new ArrayList<>();
        String next = "/logs?limit=4&route=orders";
        int pages = 0;
        while (next != null) {
            HttpResponse<String> page = admin(next, "x-api-key", adminKey);
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            new JsonArray(page.body()).forEach(r -> seen.add(((JsonObject) r).getString("requestId")));
            Matcher link = Pattern.compile("<([^>]+)>; rel=\"next\"").matcher(page.headers().firstValue("link").orElse(""));
            next = link.find() ? link.group(1) : null;
            if (next != null) {
                assertThat(next).contains("route=orders", "limit=4", "from=", "until=").doesNotContain("since=");
            }
            pages++;
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactly("key7-1", "key7-2", "key7-3", "key7-4", "key7-5", "key7-6", "key7-7", "key7-8", "key7-9", "key7-10");
    }

    private static List<String> requestIds(String pathAndQuery) {
        HttpResponse<String> response = admin(pathAndQuery, "x-api-key", adminKey);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new JsonArray(response.body()).stream().map(r -> ((JsonObject) r).getString("requestId")).toList();
    }

    @Test
    void badQueriesAreRefusedNamingWhatIsWrong() {
        assertThat(refused("/analytics/summary?since=15m&rout=orders"))
                .isEqualTo("unknown query parameter 'rout' (did you mean 'route'?); /analytics/summary takes since, from, until, route, tier, key");
        assertThat(refused("/analytics/summary?since=fortnight")).isEqualTo("since must be a duration such as 15m, 1h, 24h or 7d, got 'fortnight'");
        assertThat(refused("/analytics/summary?since=100d"))
                .isEqualTo("the range is at most 90d (rollups are kept logs.rollupRetention), got 100d");
        assertThat(refused("/analytics/summary?since=1h&from=2026-01-01T00:00:00Z")).isEqualTo("give since or from, not both");
        assertThat(refused("/analytics/summary?from=yesterday")).startsWith("from must be an ISO-8601 instant");
        assertThat(refused("/analytics/summary?key=abc")).startsWith("key must be a key's id such as 42");
        assertThat(refused("/logs?stauts=500")).startsWith("unknown query parameter 'stauts' (did you mean 'status'?)");
        assertThat(refused("/logs?status=5x")).isEqualTo("status must be a status such as 503 or a class such as 5xx, got '5x'");
        assertThat(refused("/logs?limit=5000")).isEqualTo("limit must be a whole number from 1 to 1000, got '5000'");
        assertThat(refused("/logs?after=not-a-cursor")).startsWith("after must be the 'next' of an earlier page");
        assertThat(refused("/logs?since=8d")).isEqualTo("the range is at most 7d (raw rows are kept logs.retention), got 8d");
        assertThat(refused("/logs?route=a&route=b")).isEqualTo("'route' is given more than once");
    }

    @Test
    void theEndpointsNeedAnAdminCredential() throws Exception {
        for (String path : List.of("/analytics/summary", "/analytics/series", "/logs")) {
            HttpResponse<String> anonymous = admin(path);
            assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
            assertThat(anonymous.body()).contains("urn:gatehouse:problem:unauthorized");
        }
        String reader = node.identities().keys().create("reader", "free", List.of("orders:read"), null, null).key();
        assertThat(admin("/logs", "x-api-key", reader).statusCode()).isEqualTo(403);
    }
}
