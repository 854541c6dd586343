package dev.gatehouse.server.auth;

import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Vertx;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class LoginTest {

    static Vertx vertx;
    static TestDatabase database;
    static GatewayNode node;
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
                auth: {endpoints: true, passwordIterations: 100000, bootstrapAdmin: {email: Root@Example.com, password: "a long admin password"}}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                  - {name: admin-only, match: {prefix: /api/v1/admin}, upstream: svc, auth: {mode: required, accept: [session], role: admin}}
                  - {name: members, match: {prefix: /api/v1/members}, upstream: svc, auth: {mode: required, accept: [session]}}
                """.formatted(database.jdbcUrl(), upstream);
        node = TestNodes.start(yaml);
        node.identities().users().create("user@example.com", "user1234", "user", "free");
    }

    @AfterAll
    static void stop() {
        node.close();
        vertx.close();
        database.close();
    }

    private static HttpResponse<String> call(String method, String path, String body, String token) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + path))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                    .header("content-type", "application/json");
            if (token != null) {
                request.header("authorization", "Bearer " + token);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String login(String email, String password) {
        HttpResponse<String> response = call("POST", "/api/v1/auth/login", "{\"email\": \"" + email + "\", \"password\": \"" + password + "\"}", null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new JsonObject(response.body()).getString("token");
    }

    @Test
    void loginMeAndLogout() {
        String token = login("USER@example.com", "user1234");
        assertThat(token).startsWith("gh_sess_");
        JsonObject me = new JsonObject(call("GET", "/api/v1/me", null, token).body());
        assertThat(me.getString("email")).isEqualTo("user@example.com");
        assertThat(me.getString("role")).isEqualTo("user");
        assertThat(call("GET", "/api/v1/members/x", null, token).statusCode()).isEqualTo(200);

        assertThat(call("POST", "/api/v1/auth/logout", null, token).statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(call("GET", "/api/v1/me", null, token).statusCode()).isEqualTo(401));
        assertThat(call("GET", "/api/v1/members/x", null, token).body()).contains("the session is not valid");
    }

    @Test
    void wrongPasswordsAndUnknownUsersGetTheSameAnswer() {
        HttpResponse<String> wrong = call("POST", "/api/v1/auth/login", "{\"email\": \"user@example.com\", \"password\": \"nope\"}", null);
        HttpResponse<String> unknown = call("POST", "/api/v1/auth/login", "{\"email\": \"ghost@example.com\", \"password\": \"nope\"}", null);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(new JsonObject(wrong.body()).getString("detail")).isEqualTo(new JsonObject(unknown.body()).getString("detail"));
        assertThat(call("POST", "/api/v1/auth/login", "{\"email\": 5}", null).body())
                .contains("'email' must be a string, not a number", "send {\\\"email\\\"");
        assertThat(call("GET", "/api/v1/auth/login", null, null).statusCode()).isEqualTo(405);
    }

    @Test
    void rolesGateRoutesAndTheBootstrapAdminExists() {
        String user = login("user@example.com", "user1234");
        HttpResponse<String> denied = call("GET", "/api/v1/admin/dashboard", null, user);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).contains("needs a logged-in admin");

        String admin = login("root@example.com", "a long admin password");
        assertThat(call("GET", "/api/v1/admin/dashboard", null, admin).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/v1/admin/dashboard", null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void anAdminSessionOpensTheAdminApiForUsers() {
        String admin = login("root@example.com", "a long admin password");
        String url = "http://127.0.0.1:" + node.adminPort() + "/users";
        try {
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(url)).header("authorization", "Bearer " + admin)
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"email\": \"new@example.com\", \"password\": \"longenough\", \"tier\": \"pro\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            HttpResponse<String> listed = http.send(HttpRequest.newBuilder(URI.create(url)).header("authorization", "Bearer " + admin).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(listed.body()).contains("new@example.com", "root@example.com").doesNotContain("pbkdf2");
            String user = login("user@example.com", "user1234");
            assertThat(http.send(HttpRequest.newBuilder(URI.create(url)).header("authorization", "Bearer " + user).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
            HttpResponse<String> weak = http.send(HttpRequest.newBuilder(URI.create(url)).header("authorization", "Bearer " + admin)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"email\": \"weak@example.com\", \"password\": \"short\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(weak.statusCode()).isEqualTo(400);
            assertThat(weak.body()).contains("at least 8 characters");
            // a field of the wrong type or a misspelt one is refused, never replaced by its default
            HttpResponse<String> typo = http.send(HttpRequest.newBuilder(URI.create(url)).header("authorization", "Bearer " + admin)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"email\": \"typo@example.com\", \"password\": \"longenough\", \"rol\": \"admin\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(typo.statusCode()).isEqualTo(400);
            assertThat(typo.body()).contains("unknown field 'rol'; did you mean 'role'?");
            HttpResponse<String> typed = http.send(HttpRequest.newBuilder(URI.create(url)).header("authorization", "Bearer " + admin)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"email\": \"typed@example.com\", \"password\": \"longenough\", \"role\": 1}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(typed.statusCode()).isEqualTo(400);
            assertThat(typed.body()).contains("'role' must be a string, not a number");
            HttpResponse<String> partial = http.send(HttpRequest.newBuilder(URI.create(url)).header("authorization", "Bearer " + admin)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"email\": \"partial@example.com\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(partial.body()).contains("'password' is required");
            HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create(url)).header("authorization", "Bearer " + admin)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"email\": \"NEW@example.com\", \"password\": \"longenough\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(again.statusCode()).isEqualTo(409);
            assertThat(again.body()).contains("a user with email new@example.com already exists");
            assertThat(http.send(HttpRequest.newBuilder(URI.create(url)).header("authorization", "Bearer " + admin).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).doesNotContain("typo@example.com", "typed@example.com");
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void passwordsAreNeverStoredInClear() throws Exception {
        try (var c = database.connect(); var s = c.createStatement();
             var r = s.executeQuery("SELECT password_hash FROM gatehouse_users WHERE email = 'user@example.com'")) {
            r.next();
            assertThat(r.getString(1)).startsWith("pbkdf2-sha256$").doesNotContain("user1234");
        }
    }
}
