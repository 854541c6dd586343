package dev.gatehouse.server.admin;

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

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin views on the gateway listener ({@code adminViews}): who may see them (401, 403, 200 for every view),
 * what they show, that the cache they clear is the node's, and that a node without them serves none of it.
 */
class AdminViewsTest {

    static Vertx vertx;
    static TestDatabase database;
    static GatewayNode node;
    static GatewayNode plain;
    static String adminKey;
    static String otherKey;
    static String adminSession;
    static String userSession;
    static final HttpClient http = HttpClient.newHttpClient();
    static final List<String> VIEWS = List.of("GET /api/v1/admin/dashboard", "GET /api/v1/admin/circuit-breakers", "GET /api/v1/admin/cache",
            "POST /api/v1/admin/cache/clear");

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        String common = """
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 3}}
                observability: {accessLog: "off"}
                logs: {enabled: false}  # the test writes the rows the dashboard reads
                auth: {endpoints: true, passwordIterations: 100000}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}], breaker: {minimumCalls: 5, window: 10}}
                routes:
                  - {name: catalog, match: {prefix: /catalog}, upstream: svc, cache: {ttl: 5m}}
                """.formatted(database.jdbcUrl(), TestNodes.okUpstream(vertx));
        node = TestNodes.start("gateway: {host: 127.0.0.1, port: 0, instances: 2}\nadminViews: {enabled: true, metrics: true}\n" + common);
        plain = TestNodes.start("gateway: {host: 127.0.0.1, port: 0, instances: 1}\n" + common);
        adminKey = node.identities().keys().create("operator", "enterprise", List.of("admin"), null, null).key();
        otherKey = node.identities().keys().create("reporting", "pro", List.of("orders:read"), null, null).key();
        node.identities().users().create("ada@example.com", "first password", "admin", "enterprise");
        node.identities().users().create("bob@example.com", "second password", "user", "free");
        adminSession = login("ada@example.com", "first password");
        userSession = login("bob@example.com", "second password");
        RequestLogRows rows = new RequestLogRows(database);
        Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(1));
        rows.rollup(minute, "catalog", 2, "free", 40, 3_000, 0, 30, 40);
        rows.rollup(minute, "catalog", 4, "", 10, 1_000, 10, 0, 0);
    }

    @AfterAll
    static void stop() {
        node.close();
        plain.close();
        vertx.close();
        database.close();
    }

    static String login(String email, String password) {
        HttpResponse<String> response = send(node, "POST", "/api/v1/auth/login", "{\"email\": \"" + email + "\", \"password\": \"" + password + "\"}",
                "content-type", "application/json");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new JsonObject(response.body()).getString("token");
    }

    static HttpResponse<String> send(GatewayNode to, String method, String path, String body, String... headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.gatewayPort() + path)).timeout(Duration.ofSeconds(20))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (headers.length > 0) {
                request.headers(headers);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> view(String view, String... headers) {
        String[] methodAndPath = view.split(" ");
        return send(node, methodAndPath[0], methodAndPath[1], null, headers);
    }

    @Test
    void everyViewIs401WithoutACredential403ForAUserOrAKeyWithoutTheAdminScopeAnd200ForAnAdmin() {
        Map<String, String[]> refused403 = Map.of(
                "a user's session", new String[]{"authorization", "Bearer " + userSession},
                "a key without the admin scope", new String[]{"x-api-key", otherKey});
        Map<String, String[]> admitted = Map.of(
                "an admin's session", new String[]{"authorization", "Bearer " + adminSession},
                "an admin-scoped key as a bearer token", new String[]{"authorization", "Bearer " + adminKey},
                "an admin-scoped key as X-API-Key", new String[]{"x-api-key", adminKey});
        for (String v : VIEWS) {
            HttpResponse<String> anonymous = view(v);
            assertThat(anonymous.statusCode()).as(v + " without a credential").isEqualTo(401);
            assertThat(anonymous.headers().firstValue("content-type")).hasValue("application/problem+json");
            assertThat(anonymous.headers().firstValue("www-authenticate")).isPresent();
            assertThat(view(v, "authorization", "Bearer gh_sess_0000000000000000000000000000000000000000000").statusCode())
                    .as(v + " with an unknown session").isEqualTo(401);
            refused403.forEach((who, headers) -> {
                HttpResponse<String> refused = view(v, headers);
                assertThat(refused.statusCode()).as(v + " for " + who).isEqualTo(403);
                assertThat(refused.body()).contains("urn:gatehouse:problem:insufficient-scope");
            });
            admitted.forEach((who, headers) -> {
                HttpResponse<String> ok = view(v, headers);
                assertThat(ok.statusCode()).as(v + " for " + who + ": " + ok.body()).isEqualTo(200);
                assertThat(ok.headers().firstValue("content-type")).hasValue("application/json");
                assertThat(ok.headers().firstValue("cache-control")).hasValue("no-store");
            });
        }
    }

    @Test
    void theDashboardShowsTheLastFifteenMinutesAndTheUpstreamsAsTheyAreNow() {
        JsonObject dashboard = new JsonObject(view("GET /api/v1/admin/dashboard", "x-api-key", adminKey).body());
        assertThat(dashboard.getJsonObject("totals").getLong("requests")).isEqualTo(50);
        assertThat(dashboard.getJsonObject("totals").getLong("clientErrors")).isEqualTo(10);
        assertThat(dashboard.getLong("rateLimited")).isEqualTo(10);
        assertThat(dashboard.getDouble("errorRate")).isZero();
        assertThat(dashboard.getDouble("cacheHitRatio")).isEqualTo(0.75);
        assertThat(dashboard.getDouble("requestRate")).isPositive();
        assertThat(dashboard.getJsonObject("latencyMs").getDouble("p95")).isEqualTo(RequestLogRows.bucketMs(3_000));
        JsonObject svc = dashboard.getJsonObject("upstreams").getJsonObject("svc");
        assertThat(svc.getJsonArray("targets")).hasSize(1);
        assertThat(svc.getJsonArray("targets").getJsonObject(0).getString("breaker")).isEqualTo("CLOSED");
        assertThat(dashboard.getJsonObject("circuitBreakers").getJsonArray("svc").getJsonObject(0).getString("state")).isEqualTo("CLOSED");
        assertThat(dashboard.getJsonObject("cache").getMap()).containsKey("entries");
    }

    @Test
    void circuitBreakersListEachPoolsTargetsWithTheirBreakerAndHealth() {
        JsonArray svc = new JsonObject(view("GET /api/v1/admin/circuit-breakers", "x-api-key", adminKey).body()).getJsonArray("svc");
        JsonObject target = svc.getJsonObject(0);
        assertThat(target.getString("target")).startsWith("127.0.0.1:");
        assertThat(target.getString("state")).isEqualTo("CLOSED");
        assertThat(target.getBoolean("healthy")).isTrue();
        assertThat(target.getMap()).containsKeys("failures", "successes", "failureRate");
    }

    @Test
    void clearingTheCacheThroughTheViewEmptiesTheNodesCache() {
        assertThat(send(node, "GET", "/catalog/view-clear", null).headers().firstValue("x-cache")).hasValue("MISS");
        assertThat(send(node, "GET", "/catalog/view-clear", null).headers().firstValue("x-cache")).hasValue("HIT-L1");
        assertThat(new JsonObject(view("GET /api/v1/admin/cache", "x-api-key", adminKey).body()).getLong("entries")).isPositive();
        HttpResponse<String> cleared = view("POST /api/v1/admin/cache/clear", "authorization", "Bearer " + adminSession);
        assertThat(new JsonObject(cleared.body()).getBoolean("cleared")).isTrue();
        assertThat(send(node, "GET", "/catalog/view-clear", null).headers().firstValue("x-cache")).hasValue("MISS");
    }

    @Test
    void theGatewayAnswersMetricsWhenToldToAndNothingUnderTheBasePathGoesToARoute() {
        HttpResponse<String> metrics = send(node, "GET", "/metrics", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("# TYPE gatehouse_requests_seconds");

        HttpResponse<String> unknown = view("GET /api/v1/admin/users", "x-api-key", adminKey);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("urn:gatehouse:problem:not-found", "/api/v1/admin/dashboard");
        HttpResponse<String> wrongMethod = view("GET /api/v1/admin/cache/clear", "x-api-key", adminKey);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("allow")).hasValue("POST");
        assertThat(view("DELETE /api/v1/admin/dashboard", "x-api-key", adminKey).headers().firstValue("allow")).hasValue("GET, HEAD");
    }

    @Test
    void aNodeWithoutAdminViewsServesNoneOfThem() {
        for (String v : VIEWS) {
            String[] methodAndPath = v.split(" ");
            HttpResponse<String> routed = send(plain, methodAndPath[0], methodAndPath[1], null, "x-api-key", adminKey);
            assertThat(routed.statusCode()).as(v).isEqualTo(404);
            assertThat(routed.body()).as(v).contains("urn:gatehouse:problem:no-route");
        }
        assertThat(send(plain, "GET", "/metrics", null).body()).contains("urn:gatehouse:problem:no-route");
    }

    @Test
    void aDemoKeyWithAFixedSecretWorksOnlyOnANodeThatWasToldToAcceptIt() throws Exception {
        long id = node.identities().keys().createDemoKey("demo-token-for-test", "demo", "enterprise", List.of("admin")).id();
        assertThat(view("GET /api/v1/admin/cache", "authorization", "Bearer demo-token-for-test").statusCode())
                .as("stored, but of no key's shape").isEqualTo(401);
        node.identities().acceptDemoKey("demo-token-for-test");
        assertThat(view("GET /api/v1/admin/cache", "authorization", "Bearer demo-token-for-test").statusCode()).isEqualTo(200);
        assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plain.adminPort() + "/cache"))
                .header("authorization", "Bearer demo-token-for-test").build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .as("another node on the same database").isEqualTo(401);
        assertThat(node.identities().keys().createDemoKey("demo-token-for-test", "demo", "enterprise", List.of("admin")).id())
                .as("made once").isEqualTo(id);
    }
}
