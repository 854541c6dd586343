package dev.gatehouse.server.auth;

import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ApiKeyAuthTest {

    static Vertx vertx;
    static TestDatabase database;
    static final AtomicReference<MultiMap> lastHeaders = new AtomicReference<>();
    static GatewayNode first;
    static GatewayNode second;
    static String adminKey;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        int upstream = vertx.createHttpServer().requestHandler(r -> {
            lastHeaders.set(MultiMap.caseInsensitiveMultiMap().addAll(r.headers()));
            r.response().end("ok");
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get().actualPort();
        String yaml = """
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 3}}
                observability: {accessLog: "off"}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                  - {name: orders, match: {prefix: /orders}, upstream: svc, auth: {mode: required, scopes: [orders:read]}}
                  - {name: writes, match: {prefix: /writes}, upstream: svc, auth: {mode: required, scopes: [orders:write]}}
                  - {name: tiered, match: {prefix: /tiered}, upstream: svc, auth: {mode: optional}, rateLimit: {tiers: true, mode: local}}
                  - {name: costly, match: {prefix: /costly}, upstream: svc, auth: {mode: optional}, rateLimit: {tiers: true, mode: local, cost: 10}}
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

    private static HttpResponse<String> send(String method, String url, String body, String... headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (headers.length > 0) {
                request.headers(headers);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> get(GatewayNode node, String path, String... headers) {
        return send("GET", "http://127.0.0.1:" + node.gatewayPort() + path, null, headers);
    }

    private static HttpResponse<String> admin(String method, String path, String body, String key) {
        String url = "http://127.0.0.1:" + first.adminPort() + path;
        return key == null ? send(method, url, body, "content-type", "application/json")
                : send(method, url, body, "content-type", "application/json", "authorization", "Bearer " + key);
    }

    private static String newKey(String body) {
        HttpResponse<String> created = admin("POST", "/keys", body, adminKey);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return new JsonObject(created.body()).getString("key");
    }

    @Test
    void keysAreIssuedOnceAndListedWithoutTheSecret() {
        HttpResponse<String> created = admin("POST", "/keys", "{\"name\": \"mobile app\", \"tier\": \"pro\", \"scopes\": [\"orders:read\"]}", adminKey);
        assertThat(created.statusCode()).isEqualTo(201);
        JsonObject key = new JsonObject(created.body());
        assertThat(ApiKeys.looksLikeKey(key.getString("key"))).isTrue();
        assertThat(key.getString("prefix")).isEqualTo(ApiKeys.prefix(key.getString("key")));

        String list = admin("GET", "/keys", null, adminKey).body();
        assertThat(list).contains(key.getString("prefix"), "mobile app").doesNotContain(key.getString("key"));
    }

    @Test
    void aRequiredRouteAnswers401WithoutAValidKeyAndNeverSaysWhetherAKeyExists() {
        HttpResponse<String> missing = get(first, "/orders/1");
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(missing.body()).contains("urn:gatehouse:problem:unauthorized", "this route needs credentials");

        HttpResponse<String> unknown = get(first, "/orders/1", "X-API-Key", ApiKeys.generate(new java.security.SecureRandom()));
        HttpResponse<String> garbage = get(first, "/orders/1", "X-API-Key", "letmein");
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(unknown.body()).contains("the API key is not valid");
        assertThat(garbage.body()).contains("the API key is not valid");
    }

    @Test
    void aValidKeyPassesAndIsNotForwardedUpstream() {
        String key = newKey("{\"name\": \"reader\", \"scopes\": [\"orders:read\"]}");
        assertThat(get(first, "/orders/1", "X-API-Key", key).statusCode()).isEqualTo(200);
        assertThat(lastHeaders.get().contains("x-api-key")).isFalse();
        assertThat(get(second, "/orders/1", "Authorization", "Bearer " + key).statusCode()).isEqualTo(200);
        assertThat(lastHeaders.get().contains("authorization")).isFalse();

        HttpResponse<String> forbidden = get(first, "/writes/1", "X-API-Key", key);
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(forbidden.body()).contains("needs scope orders:write");
    }

    @Test
    void aRevokedKeyIsRefusedOnEveryNodeWithinASecond() {
        String key = newKey("{\"name\": \"to revoke\", \"scopes\": [\"orders:read\"]}");
        assertThat(get(first, "/orders/1", "X-API-Key", key).statusCode()).isEqualTo(200);
        assertThat(get(second, "/orders/1", "X-API-Key", key).statusCode()).as("cached on the second node too").isEqualTo(200);

        assertThat(admin("DELETE", "/keys/" + ApiKeys.prefix(key), null, adminKey).statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            assertThat(get(first, "/orders/1", "X-API-Key", key).statusCode()).isEqualTo(401);
            assertThat(get(second, "/orders/1", "X-API-Key", key).statusCode()).isEqualTo(401);
        });
        assertThat(admin("DELETE", "/keys/" + ApiKeys.prefix(key), null, adminKey).statusCode()).as("already revoked").isEqualTo(404);
    }

    @Test
    void aPrefixSharedByTwoKeysRevokesNeitherAndTheIdStillDoes() throws Exception {
        String key = newKey("{\"name\": \"twin\", \"scopes\": [\"orders:read\"]}");
        long id;
        try (var c = database.connect(); var s = c.createStatement()) {
            // a second active key with the same display prefix (8 characters of 43 random ones: rare, not impossible)
            s.executeUpdate("INSERT INTO gatehouse_api_keys (key_hash, prefix, name, tier, scopes) "
                    + "VALUES (decode(md5(random()::text) || md5(random()::text), 'hex'), '" + ApiKeys.prefix(key) + "', 'other twin', 'free', '{}')");
            var r = s.executeQuery("SELECT id FROM gatehouse_api_keys WHERE name = 'twin'");
            r.next();
            id = r.getLong(1);
        }
        HttpResponse<String> ambiguous = admin("DELETE", "/keys/" + ApiKeys.prefix(key), null, adminKey);
        assertThat(ambiguous.statusCode()).isEqualTo(400);
        assertThat(ambiguous.body()).contains("is shared by 2 active keys; revoke by id");
        assertThat(get(first, "/orders/1", "X-API-Key", key).statusCode()).as("still valid").isEqualTo(200);
        assertThat(admin("DELETE", "/keys/" + id, null, adminKey).statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(get(first, "/orders/1", "X-API-Key", key).statusCode()).isEqualTo(401));
        assertThat(admin("DELETE", "/keys/%00", null, adminKey).statusCode()).as("no key has a NUL in its id").isEqualTo(404);
    }

    @Test
    void theKeyListComesInPagesLinkedToTheNext() {
        for (int i = 0; i < 3; i++) {
            newKey("{\"name\": \"paged " + i + "\"}");
        }
        HttpResponse<String> first = admin("GET", "/keys?limit=2", null, adminKey);
        assertThat(new JsonArray(first.body())).hasSize(2);
        String next = first.headers().firstValue("link").orElseThrow();
        assertThat(next).matches("</keys\\?after=\\d+&limit=2>; rel=\"next\"");
        java.util.Set<Object> seen = new java.util.HashSet<>();
        new JsonArray(first.body()).forEach(k -> seen.add(((JsonObject) k).getLong("id")));
        String path = next.substring(1, next.indexOf('>'));
        int pages = 1;
        while (path != null) {
            HttpResponse<String> page = admin("GET", path, null, adminKey);
            JsonArray keys = new JsonArray(page.body());
            keys.forEach(k -> assertThat(seen.add(((JsonObject) k).getLong("id"))).as("no key on two pages").isTrue());
            pages++;
            path = page.headers().firstValue("link").map(l -> l.substring(1, l.indexOf('>'))).orElse(null);
        }
        JsonArray all = new JsonArray(admin("GET", "/keys?limit=1000", null, adminKey).body());
        assertThat(seen).hasSize(all.size());
        assertThat(pages).isGreaterThanOrEqualTo(2);
        assertThat(admin("GET", "/keys?limit=0", null, adminKey).body()).contains("'limit' must be a whole number from 1 to 1000, got '0'");
        assertThat(admin("GET", "/keys?limit=5000", null, adminKey).body()).contains("'limit' must be a whole number from 1 to 1000, got '5000'");
        assertThat(admin("GET", "/keys?after=-1", null, adminKey).statusCode()).isEqualTo(400);
    }

    @Test
    void theKeyListFiltersByStateAndTierAndItsNextPageKeepsTheFilters() throws Exception {
        String pro1 = newKey("{\"name\": \"filtered pro 1\", \"tier\": \"pro\"}");
        String pro2 = newKey("{\"name\": \"filtered pro 2\", \"tier\": \"pro\"}");
        String expired = newKey("{\"name\": \"filtered expired\", \"tier\": \"pro\"}");
        try (var c = database.connect(); var s = c.createStatement()) {
            s.executeUpdate("UPDATE gatehouse_api_keys SET expires_at = now() - interval '1 minute' WHERE prefix = '" + ApiKeys.prefix(expired) + "'");
        }
        assertThat(admin("DELETE", "/keys/" + ApiKeys.prefix(pro2), null, adminKey).statusCode()).isEqualTo(204);

        JsonArray active = new JsonArray(admin("GET", "/keys?tier=pro&state=active&limit=1000", null, adminKey).body());
        assertThat(active).allSatisfy(k -> assertThat(((JsonObject) k).getString("state")).isEqualTo("active"))
                .allSatisfy(k -> assertThat(((JsonObject) k).getString("tier")).isEqualTo("pro"));
        assertThat(prefixes(active)).contains(ApiKeys.prefix(pro1)).doesNotContain(ApiKeys.prefix(pro2), ApiKeys.prefix(expired));
        assertThat(prefixes(new JsonArray(admin("GET", "/keys?state=revoked&limit=1000", null, adminKey).body())))
                .contains(ApiKeys.prefix(pro2)).doesNotContain(ApiKeys.prefix(pro1), ApiKeys.prefix(expired));
        assertThat(prefixes(new JsonArray(admin("GET", "/keys?state=expired&limit=1000", null, adminKey).body())))
                .contains(ApiKeys.prefix(expired)).doesNotContain(ApiKeys.prefix(pro1), ApiKeys.prefix(pro2));

        HttpResponse<String> page = admin("GET", "/keys?tier=pro&limit=1", null, adminKey);
        String next = page.headers().firstValue("link").orElseThrow();
        assertThat(next).matches("</keys\\?after=\\d+&limit=1&tier=pro>; rel=\"next\"");
        JsonArray second = new JsonArray(admin("GET", next.substring(1, next.indexOf('>')), null, adminKey).body());
        assertThat(second).hasSize(1);
        assertThat(((JsonObject) second.getValue(0)).getString("tier")).isEqualTo("pro");

        assertThat(admin("GET", "/keys?state=gone", null, adminKey).body()).contains("'state' is one of active, expired, revoked, got 'gone'");
        assertThat(admin("GET", "/keys?tier=gold", null, adminKey).body()).contains("'tier' is one of", "got 'gold'");
        HttpResponse<String> misspelt = admin("GET", "/keys?teir=pro", null, adminKey);
        assertThat(misspelt.statusCode()).isEqualTo(400);
        assertThat(misspelt.body()).contains("unknown query parameter 'teir' (did you mean 'tier'?)");
        assertThat(admin("GET", "/keys?tier=pro&tier=free", null, adminKey).body()).contains("'tier' is given more than once");
        assertThat(admin("GET", "/users?role=owner", null, adminKey).body()).contains("'role' is one of admin, user, got 'owner'");
        assertThat(new JsonArray(admin("GET", "/users?role=admin", null, adminKey).body()))
                .allSatisfy(u -> assertThat(((JsonObject) u).getString("role")).isEqualTo("admin"));
    }

    @Test
    void aKnownAdminPathAskedWithAnotherMethodIs405WithTheMethodsItTakes() {
        HttpResponse<String> post = admin("POST", "/tiers/pro", "{}", adminKey);
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("DELETE, GET, HEAD, PUT");
        assertThat(post.body()).contains("/tiers/pro accepts DELETE, GET, HEAD, PUT, not POST");
        HttpResponse<String> put = admin("PUT", "/keys", "{}", adminKey);
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("allow")).hasValue("GET, HEAD, POST");
        assertThat(admin("PUT", "/keys/1", "{}", adminKey).headers().firstValue("allow")).hasValue("DELETE, GET, HEAD");
        assertThat(admin("GET", "/nothing/here", null, adminKey).statusCode()).isEqualTo(404);
        assertThat(admin("DELETE", "/tiers/pro", null, null).statusCode()).as("who may not ask learns nothing of the API").isEqualTo(401);
    }

    private static java.util.List<String> prefixes(JsonArray keys) {
        return keys.stream().map(k -> ((JsonObject) k).getString("prefix")).toList();
    }

    @Test
    void aTierOrOverrideWrittenAroundTheApiThatCannotBeReadIsLeftOutAndTheFeedGoesOn() throws Exception {
        String odd = newKey("{\"name\": \"odd override\"}");
        String watched = newKey("{\"name\": \"watched\", \"scopes\": [\"orders:read\"]}");
        assertThat(get(second, "/orders/1", "X-API-Key", watched).statusCode()).isEqualTo(200);
        try (var c = database.connect(); var s = c.createStatement()) {
            // rows no API call could write: a rate with no known period
            s.executeUpdate("UPDATE gatehouse_api_keys SET rate_override = '{9/fortnight}' WHERE prefix = '" + ApiKeys.prefix(odd) + "'");
            s.executeUpdate("INSERT INTO gatehouse_tiers (name, limits) VALUES ('broken', '{5/fortnight}')");
            s.execute("SELECT pg_notify('gatehouse_identity', 'tier:broken')");
        }
        try {
            HttpResponse<String> tiered = get(first, "/tiered/1", "X-API-Key", odd);
            assertThat(tiered.statusCode()).isEqualTo(200);
            assertThat(tiered.headers().firstValue("x-ratelimit-limit")).as("the key's tier, free, applies").hasValue("1000");

            // the change feed read the broken tier and lives on: a revocation still reaches the other node
            assertThat(admin("DELETE", "/keys/" + ApiKeys.prefix(watched), null, adminKey).statusCode()).isEqualTo(204);
            await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(get(second, "/orders/1", "X-API-Key", watched).statusCode()).isEqualTo(401));
            assertThat(new JsonObject(admin("GET", "/tiers", null, adminKey).body()).fieldNames()).contains("free", "pro").doesNotContain("broken");
        } finally {
            try (var c = database.connect(); var s = c.createStatement()) {
                s.executeUpdate("DELETE FROM gatehouse_tiers WHERE name = 'broken'");
                s.execute("SELECT pg_notify('gatehouse_identity', 'tier:broken')");
            }
        }
    }

    @Test
    void whenTheKeyStoreCannotBeAskedTheAnswerIs503NotAVerdictOnTheKey() throws Exception {
        String unknown = ApiKeys.generate(new java.security.SecureRandom());
        try (var c = database.connect(); var s = c.createStatement()) {
            s.execute("ALTER TABLE gatehouse_api_keys RENAME TO gatehouse_api_keys_away");
        }
        try {
            HttpResponse<String> response = get(first, "/orders/1", "X-API-Key", unknown);
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("retry-after")).hasValue("1");
            assertThat(response.body()).contains("identity-unavailable", "cannot check credentials right now");
        } finally {
            try (var c = database.connect(); var s = c.createStatement()) {
                s.execute("ALTER TABLE gatehouse_api_keys_away RENAME TO gatehouse_api_keys");
            }
        }
        assertThat(get(first, "/orders/1", "X-API-Key", unknown).statusCode()).as("asked again, not remembered as unknown").isEqualTo(401);
    }

    @Test
    void anExpiredKeyIsRefusedLikeAnUnknownOne() throws Exception {
        String key = first.identities().keys().create("expired", "free", List.of("orders:read"), null, Instant.now().minusSeconds(1)).key();
        HttpResponse<String> response = get(first, "/orders/1", "X-API-Key", key);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("the API key is not valid");
    }

    @Test
    void tierLimitsApplyByKeyAndAnonymousCallersShareTheAnonymousTier() {
        assertThat(admin("PUT", "/tiers/anonymous", "{\"limits\": [\"2/min\"]}", adminKey).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).until(() -> first.identities().tier("anonymous").equals(List.of(RateLimit.perMinute(2))));
        assertThat(get(first, "/tiered/a").statusCode()).isEqualTo(200);
        assertThat(get(first, "/tiered/a").statusCode()).isEqualTo(200);
        HttpResponse<String> limited = get(first, "/tiered/a");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("x-ratelimit-limit")).hasValue("2");

        String free = newKey("{\"name\": \"free user\", \"tier\": \"free\"}");
        assertThat(get(first, "/tiered/a", "X-API-Key", free).headers().firstValue("x-ratelimit-limit")).hasValue("1000");
        String custom = newKey("{\"name\": \"partner\", \"tier\": \"free\", \"rateLimit\": [\"5/min\"]}");
        HttpResponse<String> overridden = get(first, "/tiered/a", "X-API-Key", custom);
        assertThat(overridden.headers().firstValue("x-ratelimit-limit")).hasValue("5");
        assertThat(overridden.headers().firstValue("ratelimit-policy")).hasValue("\"key-1min\";q=5;w=60");
    }

    @Test
    void aTierOrOverrideBelowARoutesCostIsFlaggedWhenSetAndExplainedWhenRefused() {
        HttpResponse<String> tier = admin("PUT", "/tiers/tiny", "{\"limits\": [\"5/min\"]}", adminKey);
        assertThat(tier.statusCode()).as("the change stands").isEqualTo(200);
        assertThat(new JsonObject(tier.body()).getJsonArray("warnings")).containsExactly(
                "route 'costly' costs 10 a request, more than '5/min': callers of tier 'tiny' can never pass it");
        assertThat(new JsonObject(admin("PUT", "/tiers/tiny", "{\"limits\": [\"50/min\"]}", adminKey).body()).containsKey("warnings"))
                .as("no warning once the tier covers the cost").isFalse();
        assertThat(admin("PUT", "/tiers/tiny", "{\"limits\": [\"5/min\"]}", adminKey).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).until(() -> List.of(RateLimit.perMinute(5)).equals(first.identities().tier("tiny")));

        String key = newKey("{\"name\": \"small\", \"tier\": \"tiny\"}");
        HttpResponse<String> refused = get(first, "/costly/report", "X-API-Key", key);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body()).contains("costs 10, more than this client's limit of '5/min': it can never pass",
                "a tier or key rate limit of at least 10 per window");
        assertThat(get(first, "/tiered/a", "X-API-Key", key).statusCode()).as("routes it can afford still pass").isEqualTo(200);

        HttpResponse<String> created = admin("POST", "/keys", "{\"name\": \"capped\", \"rateLimit\": [\"100/h\", \"3/s\"]}", adminKey);
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(new JsonObject(created.body()).getJsonArray("warnings")).containsExactly(
                "route 'costly' costs 10 a request, more than '3/s': this key can never pass it");
    }

    @Test
    void lastUseIsRecordedInBatches() {
        String key = newKey("{\"name\": \"tracked\", \"scopes\": [\"orders:read\"]}");
        get(first, "/orders/1", "X-API-Key", key);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonObject listed = new JsonArray(admin("GET", "/keys", null, adminKey).body()).stream().map(JsonObject.class::cast)
                    .filter(k -> k.getString("prefix").equals(ApiKeys.prefix(key))).findFirst().orElseThrow();
            assertThat(listed.getString("lastUsedAt")).isNotNull();
        });
    }

    @Test
    void theAdminApiNeedsAnAdminKeyAndValidBodies() {
        assertThat(admin("GET", "/keys", null, null).statusCode()).isEqualTo(401);
        String user = newKey("{\"name\": \"not an admin\"}");
        assertThat(admin("GET", "/keys", null, user).statusCode()).isEqualTo(403);
        assertThat(admin("POST", "/keys", "{\"tier\": \"free\"}", adminKey).body()).contains("'name' is required");
        assertThat(admin("POST", "/keys", "{\"name\": \"x\", \"tier\": \"gold\"}", adminKey).body()).contains("no tier named 'gold'");
        assertThat(admin("POST", "/keys", "{\"name\": \"x\", \"rateLimit\": [\"5/week\"]}", adminKey).body()).contains("unknown period 'week'");
        assertThat(admin("POST", "/keys", "not json", adminKey).body()).contains("the body is not valid JSON");
        assertThat(admin("POST", "/keys", "[]", adminKey).body()).contains("the body must be a JSON object, not a list");
        // a field of the wrong type or a misspelt one is refused, never replaced by its default
        assertThat(admin("POST", "/keys", "{\"name\": \"x\", \"teir\": \"pro\"}", adminKey).body())
                .contains("unknown field 'teir'; did you mean 'tier'?");
        assertThat(admin("POST", "/keys", "{\"name\": \"x\", \"tier\": 5}", adminKey).body()).contains("'tier' must be a string, not a number");
        assertThat(admin("POST", "/keys", "{\"name\": \"x\", \"expiresAt\": 5}", adminKey).body()).contains("'expiresAt' must be a string");
        assertThat(admin("POST", "/keys", "{\"name\": \"x\", \"expiresAt\": \"tomorrow\"}", adminKey).body())
                .contains("'expiresAt' must be an ISO-8601 instant such as 2027-01-01T00:00:00Z, got 'tomorrow'");
        HttpResponse<String> bornExpired = admin("POST", "/keys", "{\"name\": \"x\", \"expiresAt\": \"2020-01-01T00:00:00Z\"}", adminKey);
        assertThat(bornExpired.statusCode()).isEqualTo(400);
        assertThat(bornExpired.body()).contains("is not in the future");
        assertThat(admin("POST", "/keys", "{\"name\": \"x\", \"scopes\": [\"a\", 1]}", adminKey).body())
                .contains("'scopes' must be a list of strings; it holds a number");
        assertThat(new JsonArray(admin("GET", "/keys", null, adminKey).body()).stream().map(JsonObject.class::cast)
                .filter(k -> k.getString("name").equals("x"))).as("no refused body created a key").isEmpty();
        assertThat(admin("PUT", "/tiers/Gold!", "{\"limits\": [\"5/min\"]}", adminKey).body()).contains("a tier name is 1 to 32");
        assertThat(admin("PUT", "/tiers/gold", "{\"limits\": [\"5/min\", \"50/minute\"]}", adminKey).body())
                .contains("'50/min' is a second rate for the window of '5/min'; a policy has one rate per window");
    }
}
