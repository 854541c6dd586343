package dev.gatehouse.server.admin;

import dev.gatehouse.core.time.ManualTicker;
import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.server.logs.RequestLogRows;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the admin API gives the dashboard, and any script, beyond what it had: the live-stats snapshot and stream, the
 * admin listener's sign-in, searchable lists with their totals, per-route analytics and the most limited callers, each
 * breaker's transitions, and the dashboard's own files.
 */
class DashboardApiTest {
    static Vertx vertx;
    static TestDatabase database;
    static GatewayNode node;
    static String adminKey;
    static String plainKey;
    static final AtomicInteger failing = new AtomicInteger();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        int upstream = vertx.createHttpServer().requestHandler(r -> {
            if (r.path().startsWith("/flaky")) {
                failing.incrementAndGet();
                r.response().setStatusCode(503).end("down");
            } else {
                r.response().end("ok");
            }
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get().actualPort();
        node = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%1$s", poolSize: 3}}
                observability: {accessLog: "off"}
                logs: {enabled: false}  # the test writes the rows analytics read
                auth: {endpoints: true, passwordIterations: 100000}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%2$d"}]}
                  flaky: {targets: [{url: "http://127.0.0.1:%2$d"}], breaker: {minimumCalls: 4, window: 4, openWait: 1h}}
                routes:
                  - {name: open, match: {prefix: /open}, upstream: svc}
                  - {name: flaky, match: {prefix: /flaky}, upstream: flaky, retries: 0}
                """.formatted(database.jdbcUrl(), upstream));
        adminKey = node.identities().keys().create("operator", "enterprise", List.of("admin"), null, null).key();
        plainKey = node.identities().keys().create("reporting", "free", List.of("orders:read"), null, null).key();
        node.identities().users().create("ada@example.com", "first password", "admin", "enterprise");
        node.identities().users().create("bob@example.com", "second password", "user", "free");
    }

    @AfterAll
    static void stop() {
        node.close();
        vertx.close();
        database.close();
    }

    static HttpResponse<String> admin(String method, String path, String body, String... headers) {
        return send(method, "http://127.0.0.1:" + node.adminPort() + path, body, headers);
    }

    static HttpResponse<String> asAdmin(String method, String path, String body) {
        return admin(method, path, body, "content-type", "application/json", "x-api-key", adminKey);
    }

    static HttpResponse<String> send(String method, String url, String body, String... headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (headers.length > 0) {
                request.headers(headers);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void gateway(String path, int times) {
        for (int i = 0; i < times; i++) {
            send("GET", "http://127.0.0.1:" + node.gatewayPort() + path, null);
        }
    }

    @Test
    void theStreamOpensWithTheHistoryThenCarriesASampleEverySecondThatCountsTheTrafficSent() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + "/stats/stream"))
                .header("x-api-key", adminKey).build();
        HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
        List<String> events = new CopyOnWriteArrayList<>();
        List<JsonObject> samples = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String event = null;
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.startsWith("event: ")) {
                        event = line.substring(7);
                        events.add(event);
                    } else if (line.startsWith("data: ") && "sample".equals(event)) {
                        samples.add(new JsonObject(line.substring(6)));
                    }
                }
            } catch (java.io.IOException e) {
                // the stream is cut when the test ends
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());
            assertThat(events.get(0)).as("the first event").isEqualTo("history");
            long before = new JsonObject(asAdmin("GET", "/stats", null).body()).getLong("requests");
            gateway("/open/x", 12);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(samples).isNotEmpty()
                    .last().satisfies(s -> assertThat(s.getLong("requests")).isGreaterThanOrEqualTo(before + 12)));
            JsonObject last = samples.get(samples.size() - 1);
            assertThat(last.getString("node")).isEqualTo(node.nodeId());
            assertThat(last.getJsonArray("routes").stream().map(r -> ((JsonObject) r).getString("route"))).contains("open");
            assertThat(last.getInteger("targets")).isEqualTo(2);
        } finally {
            response.body().close();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(node.metrics().scrape())
                .as("the stream's place is freed when the reader goes").contains("gatehouse_admin_streams 0.0"));
    }

    @Test
    void aStreamOnOneNodeCarriesAnotherNodesSamplesThroughPostgresqlAndTheConnectionGoesWhenNobodyWatches() throws Exception {
        ManualTicker clock = new ManualTicker();
        // the watching node runs on a clock of the test's, to pass its idle minute without waiting one
        GatewayNode watcher = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 3}}
                observability: {accessLog: "off"}
                logs: {enabled: false}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:9"}]}
                routes:
                  - {name: elsewhere, match: {prefix: /elsewhere}, upstream: svc}
                """.formatted(database.jdbcUrl()), clock);
        String at = "http://127.0.0.1:" + watcher.adminPort();
        try {
            HttpResponse<String> unknown = send("GET", at + "/stats?node=no-such-node", null, "x-api-key", adminKey);
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("no live node 'no-such-node'");
            assertThat(watcher.metrics().scrape()).as("no connection before anyone asks").contains("gatehouse_admin_stats_listening 0.0");

            HttpResponse<java.io.InputStream> response = http.send(HttpRequest.newBuilder(URI.create(at + "/stats/stream?node=" + node.nodeId()))
                    .header("x-api-key", adminKey).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            List<JsonObject> samples = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                    boolean sample = false;
                    for (String line; (line = lines.readLine()) != null; ) {
                        if (line.startsWith("event: ")) {
                            sample = line.equals("event: sample");
                        } else if (sample && line.startsWith("data: ")) {
                            samples.add(new JsonObject(line.substring(6)));
                        }
                    }
                } catch (java.io.IOException e) {
                    // the stream is cut when the test ends
                }
            });
            reader.setDaemon(true);
            reader.start();
            try {
                await().atMost(Duration.ofSeconds(15)).until(() -> !samples.isEmpty());
                long before = samples.get(samples.size() - 1).getLong("requests");
                gateway("/open/elsewhere", 7);
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(samples).last().satisfies(s -> {
                    assertThat(s.getString("node")).isEqualTo(node.nodeId());
                    assertThat(s.getLong("requests")).isGreaterThanOrEqualTo(before + 7);
                }));
                assertThat(new JsonObject(send("GET", at + "/stats?node=" + node.nodeId(), null, "x-api-key", adminKey).body()).getString("node"))
                        .isEqualTo(node.nodeId());
                assertThat(watcher.metrics().scrape()).contains("gatehouse_admin_stats_listening 1.0", "gatehouse_admin_stats_nodes 1.0");
            } finally {
                response.body().close();
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(watcher.metrics().scrape()).contains("gatehouse_admin_streams 0.0"));
            clock.advance(Duration.ofMinutes(1).plusSeconds(1));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(watcher.metrics().scrape())
                    .as("a minute after the last stream, the connection goes and the samples with it")
                    .contains("gatehouse_admin_stats_listening 0.0", "gatehouse_admin_stats_nodes 0.0"));
        } finally {
            watcher.close();
        }
    }

    @Test
    void liveStatsNeedAnAdminCredential() {
        for (String path : List.of("/stats", "/stats/stream")) {
            assertThat(admin("GET", path, null).statusCode()).as(path + " without a credential").isEqualTo(401);
            HttpResponse<String> refused = admin("GET", path, null, "x-api-key", plainKey);
            assertThat(refused.statusCode()).as(path + " for a key without the admin scope").isEqualTo(403);
            assertThat(refused.body()).contains("urn:gatehouse:problem:insufficient-scope");
            HttpResponse<String> unknown = admin("GET", path + "?since=1h", null, "x-api-key", adminKey);
            assertThat(unknown.body()).contains("takes node");
            assertThat(unknown.statusCode()).isEqualTo(400);
            assertThat(unknown.body()).contains("unknown query parameter 'since'");
        }
        JsonObject now = new JsonObject(asAdmin("GET", "/stats", null).body());
        assertThat(now.getString("node")).isEqualTo(node.nodeId());
        assertThat(now.getJsonObject("latencyMs").fieldNames()).containsExactlyInAnyOrder("p50", "p95", "p99");
    }

    @Test
    void theAdminListenerSignsInAdminsOnlyAndLeavesNoSessionForAUser() throws Exception {
        HttpResponse<String> login = admin("POST", "/auth/login", "{\"email\": \"ada@example.com\", \"password\": \"first password\"}",
                "content-type", "application/json");
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        String token = new JsonObject(login.body()).getString("token");
        assertThat(admin("GET", "/keys", null, "authorization", "Bearer " + token).statusCode()).isEqualTo(200);
        JsonObject me = new JsonObject(admin("GET", "/me", null, "authorization", "Bearer " + token).body());
        assertThat(me.getString("role")).isEqualTo("admin");
        assertThat(me.getString("email")).isEqualTo("ada@example.com");

        HttpResponse<String> wrong = admin("POST", "/auth/login", "{\"email\": \"ada@example.com\", \"password\": \"nope\"}", "content-type", "application/json");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("email or password is wrong");

        HttpResponse<String> user = admin("POST", "/auth/login", "{\"email\": \"bob@example.com\", \"password\": \"second password\"}",
                "content-type", "application/json");
        assertThat(user.statusCode()).isEqualTo(403);
        assertThat(user.body()).contains("urn:gatehouse:problem:insufficient-role", "bob@example.com is not an admin");
        assertThat(user.body()).doesNotContain("token");
        try (Connection c = database.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM gatehouse_sessions s JOIN gatehouse_users u ON u.id = s.user_id WHERE u.email = 'bob@example.com'")) {
            r.next();
            assertThat(r.getLong(1)).as("sessions left for the user refused").isZero();
        }

        assertThat(admin("POST", "/auth/logout", null, "authorization", "Bearer " + token).statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(admin("GET", "/keys", null, "authorization", "Bearer " + token).statusCode()).as("after logging out").isEqualTo(401));
    }

    @Test
    void keysAreSearchedByNamePrefixOrIdNewestFirstWithTheTotalOfWhatMatches() {
        List<JsonObject> made = new java.util.ArrayList<>();
        for (String name : List.of("billing east", "billing west", "search 50% off", "crawler")) {
            made.add(new JsonObject(asAdmin("POST", "/keys", "{\"name\": \"" + name + "\", \"tier\": \"pro\"}").body()));
        }
        HttpResponse<String> billing = asAdmin("GET", "/keys?q=BILLING&order=newest", null);
        assertThat(billing.headers().firstValue("x-total-count")).hasValue("2");
        assertThat(new JsonArray(billing.body()).stream().map(k -> ((JsonObject) k).getString("name"))).containsExactly("billing west", "billing east");

        JsonObject crawler = made.get(3);
        HttpResponse<String> byPrefix = asAdmin("GET", "/keys?q=" + crawler.getString("prefix"), null);
        assertThat(new JsonArray(byPrefix.body()).getJsonObject(0).getLong("id")).isEqualTo(crawler.getLong("id"));
        HttpResponse<String> byId = asAdmin("GET", "/keys?q=" + crawler.getLong("id"), null);
        assertThat(new JsonArray(byId.body()).stream().map(k -> ((JsonObject) k).getLong("id"))).contains(crawler.getLong("id"));
        HttpResponse<String> percent = asAdmin("GET", "/keys?q=50%25", null);
        assertThat(percent.headers().firstValue("x-total-count")).as("a % searched as itself").hasValue("1");

        HttpResponse<String> firstPage = asAdmin("GET", "/keys?order=newest&limit=2&tier=pro", null);
        assertThat(firstPage.headers().firstValue("x-total-count")).hasValue("4");
        assertThat(new JsonArray(firstPage.body()).getJsonObject(0).getLong("id")).isEqualTo(crawler.getLong("id"));
        String next = firstPage.headers().firstValue("link").orElseThrow();
        assertThat(next).contains("order=newest", "tier=pro");
        HttpResponse<String> secondPage = asAdmin("GET", next.substring(1, next.indexOf('>')), null);
        assertThat(new JsonArray(secondPage.body()).stream().map(k -> ((JsonObject) k).getString("name"))).containsExactly("billing west", "billing east");

        HttpResponse<String> badOrder = asAdmin("GET", "/keys?order=sideways", null);
        assertThat(badOrder.statusCode()).isEqualTo(400);
        assertThat(badOrder.body()).contains("'order' is one of newest, oldest");
    }

    @Test
    void usersAreSearchedByEmailWithTheirTotal() {
        asAdmin("POST", "/users", "{\"email\": \"carol@search.example\", \"password\": \"a long password\"}");
        asAdmin("POST", "/users", "{\"email\": \"dave@search.example\", \"password\": \"a long password\"}");
        HttpResponse<String> found = asAdmin("GET", "/users?q=SEARCH.example", null);
        assertThat(found.headers().firstValue("x-total-count")).hasValue("2");
        assertThat(new JsonArray(found.body()).stream().map(u -> ((JsonObject) u).getString("email")))
                .containsExactly("carol@search.example", "dave@search.example");
        assertThat(asAdmin("GET", "/users?role=admin", null).headers().firstValue("x-total-count")).hasValue("1");
    }

    @Test
    void routeAnalyticsGiveEachRoutesRequestsErrorsAndPercentilesAndTheMostLimitedCallersComeFirst() {
        RequestLogRows rows = new RequestLogRows(database);
        Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(2));
        rows.rollup(minute, "orders", 2, "free", 90, 3_000, 0, 0, 0);
        rows.rollup(minute, "orders", 5, "free", 10, 400_000, 0, 0, 0);
        rows.rollup(minute, "catalog", 2, "", 5, 1_000, 0, 5, 5);
        JsonObject stats = new JsonObject(asAdmin("GET", "/analytics/routes?since=1h", null).body());
        JsonArray routes = stats.getJsonArray("routes");
        assertThat(routes.getJsonObject(0).getString("route")).as("busiest first").isEqualTo("orders");
        JsonObject orders = routes.getJsonObject(0);
        assertThat(orders.getLong("requests")).isEqualTo(100);
        assertThat(orders.getLong("errors")).isEqualTo(10);
        assertThat(orders.getDouble("errorRate")).isEqualTo(0.1);
        assertThat(orders.getJsonObject("latencyMs").getDouble("p50")).isEqualTo(RequestLogRows.bucketMs(3_000));
        assertThat(orders.getJsonObject("latencyMs").getDouble("p99")).isEqualTo(RequestLogRows.bucketMs(400_000));

        JsonObject point = new JsonObject(asAdmin("GET", "/analytics/series?since=1h&step=1h", null).body()).getJsonArray("points").stream()
                .map(JsonObject.class::cast).filter(p -> p.getLong("requests") > 0).findFirst().orElseThrow();
        assertThat(point.getLong("requests")).isEqualTo(105);
        assertThat(point.getLong("cacheLookups")).isEqualTo(5);
        assertThat(point.getDouble("cacheHitRatio")).isEqualTo(1.0);
        assertThat(point.getDouble("p50Ms")).isEqualTo(RequestLogRows.bucketMs(3_000));

        Instant now = Instant.now();
        for (int i = 0; i < 3; i++) {
            rows.row(now.minusSeconds(30 + i), "limited-a-" + i, "orders", 429, 100, 7L, "free", null);
        }
        rows.row(now.minusSeconds(40), "limited-b", "orders", 429, 100, 9L, "pro", null);
        rows.row(now.minusSeconds(40), "fine", "orders", 200, 100, 9L, "pro", null);
        JsonArray callers = new JsonObject(asAdmin("GET", "/analytics/limited?since=15m", null).body()).getJsonArray("callers");
        assertThat(callers.stream().map(c -> ((JsonObject) c).getString("caller") + "=" + ((JsonObject) c).getLong("rateLimited")))
                .containsExactly("key:7=3", "key:9=1");
        assertThat(callers.getJsonObject(0).getString("tier")).isEqualTo("free");
        HttpResponse<String> tooFar = asAdmin("GET", "/analytics/limited?since=30d", null);
        assertThat(tooFar.statusCode()).isEqualTo(400);
        assertThat(tooFar.body()).contains("logs.retention");
    }

    @Test
    void aBreakerThatOpensShowsItsTransitionInTheUpstreams() {
        gateway("/flaky/x", 6);
        JsonObject target = new JsonObject(admin("GET", "/upstreams", null).body()).getJsonObject("flaky").getJsonArray("targets").getJsonObject(0);
        assertThat(target.getString("breaker")).isEqualTo("OPEN");
        assertThat(target.getDouble("failureRate")).isEqualTo(100.0);
        JsonObject transition = target.getJsonArray("transitions").getJsonObject(0);
        assertThat(transition.getString("from")).isEqualTo("CLOSED");
        assertThat(transition.getString("to")).isEqualTo("OPEN");
        assertThat(Instant.parse(transition.getString("at"))).isCloseTo(Instant.now(), org.assertj.core.api.Assertions.within(1, ChronoUnit.MINUTES));
    }

    @Test
    void theDashboardIsServedFromTheJarWithAPolicyThatAllowsNothingFromElsewhere() {
        HttpResponse<String> page = admin("GET", "/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("content-security-policy").orElseThrow()).contains("default-src 'self'", "frame-ancestors 'none'");
        assertThat(page.body()).contains("/dashboard/app.js").doesNotContain("http://", "https://");
        String etag = page.headers().firstValue("etag").orElseThrow();
        assertThat(admin("GET", "/", null, "if-none-match", etag).statusCode()).isEqualTo(304);

        HttpResponse<String> chart = admin("GET", "/dashboard/vendor/uplot/uPlot.esm.js", null);
        assertThat(chart.statusCode()).isEqualTo(200);
        assertThat(chart.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
        assertThat(admin("GET", "/dashboard/pages/keys.js", null).body()).contains("export default");
        assertThat(admin("GET", "/dashboard/../admin/openapi.json", null).statusCode()).isEqualTo(404);
        assertThat(admin("GET", "/dashboard/%2e%2e/logback.xml", null).statusCode()).isEqualTo(404);
        HttpResponse<String> missing = admin("GET", "/dashboard/nothing.js", null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("the dashboard has no file /dashboard/nothing.js");
    }
}
