package dev.gatehouse.server.admin;

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
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The admin API as an operator uses it: keys, users and tiers by id, their edits and deletions, routes, 405s. */
class AdminApiTest {

    static Vertx vertx;
    static TestDatabase database;
    static GatewayNode first;
    static GatewayNode second;
    static String adminKey;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        int upstream = TestNodes.okUpstream(vertx);
        String yaml = """
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 3}}
                observability: {accessLog: "off"}
                auth: {endpoints: true, passwordIterations: 100000}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                  - {name: members, match: {prefix: /members}, upstream: svc, auth: {mode: required, accept: [session]}}
                  - {name: orders, match: {prefix: /orders}, upstream: svc, auth: {mode: required, scopes: [orders:read]},
                     rateLimit: {limits: [10/s], tiers: true, mode: local, cost: 2}}
                  - {name: catalog, match: {prefix: /catalog}, upstream: svc, cache: {ttl: 5m, staleIfError: 1m}}
                """.formatted(database.jdbcUrl(), upstream);
        first = TestNodes.start(yaml);
        second = TestNodes.start(yaml);
        adminKey = first.identities().keys().create("operator", "enterprise", List.of("admin"), null, null).key();
    }

    @AfterAll
    static void stop() {
        first.close();
        second.close();
        vertx.close();
        database.close();
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

    static HttpResponse<String> admin(String method, String path, String body) {
        return send(method, "http://127.0.0.1:" + first.adminPort() + path, body, "content-type", "application/json", "x-api-key", adminKey);
    }

    static HttpResponse<String> gateway(GatewayNode node, String path, String token) {
        return send("GET", "http://127.0.0.1:" + node.gatewayPort() + path, null, "authorization", "Bearer " + token);
    }

    static String login(String email, String password) {
        HttpResponse<String> response = send("POST", "http://127.0.0.1:" + first.gatewayPort() + "/api/v1/auth/login",
                "{\"email\": \"" + email + "\", \"password\": \"" + password + "\"}", "content-type", "application/json");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new JsonObject(response.body()).getString("token");
    }

    static long newUser(String email, String role) {
        HttpResponse<String> created = admin("POST", "/users", "{\"email\": \"" + email + "\", \"password\": \"first password\", \"role\": \"" + role + "\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("location")).hasValue("/users/" + new JsonObject(created.body()).getLong("id"));
        return new JsonObject(created.body()).getLong("id");
    }

    @Test
    void aKeyIsReadByIdOrPrefixWithoutItsSecret() {
        JsonObject created = new JsonObject(admin("POST", "/keys", "{\"name\": \"reporting\", \"scopes\": [\"orders:read\"]}").body());
        HttpResponse<String> byId = admin("GET", "/keys/" + created.getLong("id"), null);
        assertThat(byId.statusCode()).isEqualTo(200);
        JsonObject key = new JsonObject(byId.body());
        assertThat(key.getString("name")).isEqualTo("reporting");
        assertThat(key.getString("state")).isEqualTo("active");
        assertThat(byId.body()).doesNotContain(created.getString("key"));
        assertThat(new JsonObject(admin("GET", "/keys/" + created.getString("prefix"), null).body()).getLong("id")).isEqualTo(created.getLong("id"));

        assertThat(admin("DELETE", "/keys/" + created.getLong("id"), null).statusCode()).isEqualTo(204);
        assertThat(new JsonObject(admin("GET", "/keys/" + created.getLong("id"), null).body()).getString("state")).isEqualTo("revoked");

        HttpResponse<String> missing = admin("GET", "/keys/987654321", null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("urn:gatehouse:problem:not-found", "no key has id or prefix '987654321'");
    }

    @Test
    void aPrefixSharedByTwoKeysIsAConflictNamingBoth() throws Exception {
        long one = new JsonObject(admin("POST", "/keys", "{\"name\": \"twin one\"}").body()).getLong("id");
        long two = new JsonObject(admin("POST", "/keys", "{\"name\": \"twin two\"}").body()).getLong("id");
        try (var c = database.connect(); var s = c.createStatement()) {
            s.executeUpdate("UPDATE gatehouse_api_keys SET prefix = 'TwinTwin' WHERE id IN (" + one + ", " + two + ")");
        }
        HttpResponse<String> shared = admin("GET", "/keys/TwinTwin", null);
        assertThat(shared.statusCode()).isEqualTo(409);
        assertThat(shared.body()).contains("the prefix TwinTwin is shared by keys " + one + ", " + two + "; ask by id");
    }

    @Test
    void aUserIsReadAndUpdatedAndANewRoleOrPasswordEndsTheirSessions() {
        long id = newUser("grace@example.com", "user");
        JsonObject read = new JsonObject(admin("GET", "/users/" + id, null).body());
        assertThat(read.getString("email")).isEqualTo("grace@example.com");
        assertThat(read.getString("tier")).isEqualTo("free");

        String session = login("grace@example.com", "first password");
        assertThat(gateway(second, "/api/v1/me", session).body()).contains("\"tier\":\"free\"");
        HttpResponse<String> tier = admin("PATCH", "/users/" + id, "{\"tier\": \"pro\"}");
        assertThat(tier.statusCode()).as(tier.body()).isEqualTo(200);
        assertThat(new JsonObject(tier.body()).getString("tier")).isEqualTo("pro");
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(gateway(second, "/api/v1/me", session).body()).as("a new tier applies to the session on every node").contains("\"tier\":\"pro\""));

        assertThat(admin("PATCH", "/users/" + id, "{\"role\": \"admin\"}").statusCode()).isEqualTo(200);
        assertThat(gateway(first, "/members/1", session).statusCode()).as("a new role ends the session, at once on this node").isEqualTo(401);
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(gateway(second, "/members/1", session).statusCode()).isEqualTo(401));

        String again = login("grace@example.com", "first password");
        assertThat(admin("PATCH", "/users/" + id, "{\"password\": \"second password\"}").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(gateway(second, "/members/1", again).statusCode()).isEqualTo(401));
        assertThat(send("POST", "http://127.0.0.1:" + first.gatewayPort() + "/api/v1/auth/login",
                "{\"email\": \"grace@example.com\", \"password\": \"first password\"}", "content-type", "application/json").statusCode()).isEqualTo(401);
        login("grace@example.com", "second password");

        newUser("taken@example.com", "user");
        HttpResponse<String> taken = admin("PATCH", "/users/" + id, "{\"email\": \"Taken@example.com\"}");
        assertThat(taken.statusCode()).isEqualTo(409);
        assertThat(taken.body()).contains("a user with email taken@example.com already exists");
        assertThat(admin("PATCH", "/users/" + id, "{}").body()).contains("send at least one of email, password, role, tier");
        assertThat(admin("PATCH", "/users/" + id, "{\"rol\": \"admin\"}").body()).contains("rol");
        assertThat(admin("PATCH", "/users/" + id, "{\"role\": \"root\"}").body()).contains("role must be admin or user, got 'root'");
        assertThat(admin("PATCH", "/users/" + id, "{\"tier\": \"gold\"}").body()).contains("no tier named 'gold'");
        assertThat(admin("PATCH", "/users/987654", "{\"tier\": \"pro\"}").statusCode()).isEqualTo(404);
    }

    @Test
    void aDeletedUsersSessionsEndOnEveryNode() {
        long id = newUser("linus@example.com", "user");
        String session = login("linus@example.com", "first password");
        assertThat(gateway(second, "/members/1", session).statusCode()).isEqualTo(200);

        assertThat(admin("DELETE", "/users/" + id, null).statusCode()).isEqualTo(204);
        assertThat(gateway(first, "/members/1", session).statusCode()).isEqualTo(401);
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(gateway(second, "/members/1", session).statusCode()).isEqualTo(401));
        assertThat(admin("GET", "/users/" + id, null).statusCode()).isEqualTo(404);
        assertThat(admin("DELETE", "/users/" + id, null).statusCode()).isEqualTo(404);
        assertThat(admin("DELETE", "/users/someone", null).body()).contains("user ids are numbers");
    }

    @Test
    void aTierIsDeletedOnlyWhenNothingUsesItAndNeverTheAnonymousOne() throws Exception {
        assertThat(admin("PUT", "/tiers/trial", "{\"limits\": [\"50/min\"]}").statusCode()).isEqualTo(200);
        assertThat(new JsonObject(admin("GET", "/tiers/trial", null).body()).getJsonArray("trial")).containsExactly("50/min");
        long key = new JsonObject(admin("POST", "/keys", "{\"name\": \"trialist\", \"tier\": \"trial\"}").body()).getLong("id");
        admin("POST", "/users", "{\"email\": \"trial@example.com\", \"password\": \"first password\", \"tier\": \"trial\"}");

        HttpResponse<String> inUse = admin("DELETE", "/tiers/trial", null);
        assertThat(inUse.statusCode()).isEqualTo(409);
        assertThat(inUse.body()).contains("tier 'trial' is still used by 1 key(s) (revoked ones included) and 1 user(s)");

        admin("DELETE", "/keys/" + key, null);
        assertThat(admin("DELETE", "/tiers/trial", null).statusCode()).as("a revoked key still has its tier").isEqualTo(409);
        try (var c = database.connect(); var s = c.createStatement()) {
            s.executeUpdate("UPDATE gatehouse_api_keys SET tier = 'free' WHERE tier = 'trial'");
            s.executeUpdate("UPDATE gatehouse_users SET tier = 'free' WHERE tier = 'trial'");
        }
        assertThat(admin("DELETE", "/tiers/trial", null).statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(admin("GET", "/tiers/trial", null).statusCode()).isEqualTo(404));
        assertThat(new JsonObject(admin("GET", "/tiers", null).body()).fieldNames()).doesNotContain("trial");
        assertThat(admin("DELETE", "/tiers/trial", null).statusCode()).isEqualTo(404);

        HttpResponse<String> anonymous = admin("DELETE", "/tiers/anonymous", null);
        assertThat(anonymous.statusCode()).isEqualTo(409);
        assertThat(anonymous.body()).contains("the anonymous tier is built in");
    }

    @Test
    void routesShowTheirAuthCacheAndRateLimit() {
        JsonArray routes = new JsonArray(send("GET", "http://127.0.0.1:" + first.adminPort() + "/routes", null).body());
        JsonObject orders = routes.stream().map(JsonObject.class::cast).filter(r -> r.getString("name").equals("orders")).findFirst().orElseThrow();
        assertThat(orders.getJsonObject("auth")).isEqualTo(new JsonObject().put("mode", "required")
                .put("accept", new JsonArray(List.of("api-key", "session"))).put("scopes", new JsonArray(List.of("orders:read"))).putNull("role"));
        assertThat(orders.getJsonObject("rateLimit").getJsonArray("limits")).containsExactly("10/s");
        assertThat(orders.getJsonObject("rateLimit").getBoolean("tiers")).isTrue();
        assertThat(orders.getJsonObject("rateLimit").getLong("cost")).isEqualTo(2);
        assertThat(orders.getJsonObject("rateLimit").getString("algorithm")).isEqualTo("gcra");
        assertThat(orders.getValue("cache")).isNull();
        JsonObject catalog = routes.stream().map(JsonObject.class::cast).filter(r -> r.getString("name").equals("catalog")).findFirst().orElseThrow();
        assertThat(catalog.getJsonObject("auth")).isEqualTo(new JsonObject().put("mode", "none"));
        assertThat(catalog.getJsonObject("cache").getLong("ttlMs")).isEqualTo(300_000);
        assertThat(catalog.getJsonObject("cache").getLong("staleIfErrorMs")).isEqualTo(60_000);
        assertThat(catalog.getValue("rateLimit")).isNull();
    }

    @Test
    void aKnownPathAskedWithAMethodItDoesNotTakeIs405WithAllowEverywhere() {
        record Case(String method, String path, String allow) {
        }
        List<Case> cases = List.of(new Case("PUT", "/users/3", "DELETE, GET, HEAD, PATCH"), new Case("PUT", "/keys/3", "DELETE, GET, HEAD"),
                new Case("POST", "/tiers/pro", "DELETE, GET, HEAD, PUT"), new Case("DELETE", "/users", "GET, HEAD, POST"),
                new Case("POST", "/metrics", "GET, HEAD"), new Case("POST", "/health/ready", "GET, HEAD"), new Case("DELETE", "/health/live", "GET, HEAD"),
                new Case("POST", "/routes", "GET, HEAD"), new Case("DELETE", "/upstreams", "GET, HEAD"), new Case("DELETE", "/cache", "GET, HEAD"),
                new Case("GET", "/cache/purge", "POST"));
        String wrong = cases.stream().map(c -> {
            HttpResponse<String> response = admin(c.method(), c.path(), c.method().equals("GET") ? null : "{}");
            return response.statusCode() == 405 && response.headers().firstValue("allow").orElse("").equals(c.allow()) ? null
                    : c.method() + " " + c.path() + " -> " + response.statusCode() + " " + response.headers().firstValue("allow").orElse("(no Allow)");
        }).filter(java.util.Objects::nonNull).collect(Collectors.joining("; "));
        assertThat(wrong).isEmpty();
    }

    @Test
    void headAnswersWhereverGetDoesWithItsHeadersAndNoBody() throws Exception {
        long key = first.identities().keys().create("read by HEAD", "free", List.of(), null, null).record().id();
        long user = newUser("head@example.com", "user");
        List<String> paths = List.of("/metrics", "/upstreams", "/routes", "/nodes", "/keys", "/keys/" + key, "/users", "/users/" + user,
                "/tiers", "/tiers/pro", "/cache", "/health", "/health/live", "/health/ready");
        // bodies that do not change between two requests
        List<String> steady = List.of("/routes", "/keys/" + key, "/users/" + user, "/tiers", "/tiers/pro", "/health/live");
        // over HTTP/1.1: Vert.x's HTTP/2 server sends a HEAD response's body as DATA frames
        HttpClient http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String wrong = paths.stream().map(path -> {
            HttpResponse<String> get = http1(http1, "GET", path);
            HttpResponse<String> head = http1(http1, "HEAD", path);
            List<String> faults = new java.util.ArrayList<>();
            if (get.statusCode() != 200 || head.statusCode() != 200) {
                faults.add("GET " + get.statusCode() + ", HEAD " + head.statusCode());
            }
            if (!head.headers().firstValue("content-type").equals(get.headers().firstValue("content-type"))) {
                faults.add("content-type " + head.headers().firstValue("content-type").orElse("(none)"));
            }
            if (!head.body().isEmpty()) {
                faults.add("a body of " + head.body().length() + " characters");
            }
            // Content-Length may be left out of a HEAD response (RFC 9110 8.6), but when sent it is the GET's
            OptionalLong length = head.headers().firstValueAsLong("content-length");
            if (steady.contains(path) && length.isPresent() && length.getAsLong() != get.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length) {
                faults.add("content-length " + head.headers().firstValue("content-length").orElse("(none)"));
            }
            return faults.isEmpty() ? null : "HEAD " + path + ": " + String.join(", ", faults);
        }).filter(java.util.Objects::nonNull).collect(Collectors.joining("; "));
        assertThat(wrong).isEmpty();
        assertThat(send("HEAD", "http://127.0.0.1:" + first.adminPort() + "/keys", null).statusCode())
                .as("HEAD is guarded as GET is").isEqualTo(401);
    }

    private static HttpResponse<String> http1(HttpClient client, String method, String path) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.adminPort() + path)).timeout(Duration.ofSeconds(20))
                    .method(method, HttpRequest.BodyPublishers.noBody()).header("x-api-key", adminKey).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anAdminSessionOnAScopedRouteIsToldSessionsCarryNoScopes() {
        newUser("root@example.com", "admin");
        HttpResponse<String> refused = gateway(first, "/orders/1", login("root@example.com", "first password"));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("this route needs scope orders:read, and a login session carries no scopes")
                .doesNotContain("the key does not have");
    }
}
