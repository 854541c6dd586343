package dev.gatehouse.server.auth;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Keys fetched from a JWKS URL (a real HTTP server), fetched once and cached. */
class JwksTest {

    static Vertx vertx;
    static TestDatabase database;
    static GatewayNode node;
    static KeyPair trusted;
    static final AtomicInteger fetches = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        trusted = rsa.generateKeyPair();
        String jwks = new JWKSet(new RSAKey.Builder((RSAPublicKey) trusted.getPublic()).keyID("k1").build()).toString();
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        int server = vertx.createHttpServer().requestHandler(r -> {
            if (r.path().equals("/.well-known/jwks.json")) {
                fetches.incrementAndGet();
                r.response().putHeader("content-type", "application/json").end(jwks);
            } else {
                r.response().end("ok");
            }
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get().actualPort();
        node = TestNodes.start(config(server, "/.well-known/jwks.json"));
    }

    /** A node taking JWTs on /orders with keys from {@code path} on the server at {@code port}, which is also the upstream. */
    static String config(int port, String path) {
        return """
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2}}
                observability: {accessLog: "off"}
                auth:
                  jwt: {issuer: "https://id.example.com", audience: [orders-api], jwksUrl: "http://127.0.0.1:%d%s"}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                  - {name: orders, match: {prefix: /orders}, upstream: svc, auth: {mode: required, accept: [jwt]}}
                """.formatted(database.jdbcUrl(), port, path, port);
    }

    @AfterAll
    static void stop() {
        node.close();
        vertx.close();
        database.close();
    }

    static int status(String token) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + "/orders/1"))
                .header("authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void whileTheKeySetCannotBeFetchedATokenIs503NotRefusedAndPassesOnceItCanBe() throws Exception {
        AtomicBoolean down = new AtomicBoolean(true);
        String jwks = new JWKSet(new RSAKey.Builder((RSAPublicKey) trusted.getPublic()).keyID("k1").build()).toString();
        int server = vertx.createHttpServer().requestHandler(r -> {
            if (down.get() && r.path().equals("/keys")) {
                r.response().setStatusCode(503).end();
            } else {
                r.response().putHeader("content-type", "application/json").end(r.path().equals("/keys") ? jwks : "ok");
            }
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get().actualPort();
        GatewayNode outage = TestNodes.start(config(server, "/keys"));
        try {
            String token = JwtTest.rs256(JwtTest.claims().subject("during-outage").build(), trusted);
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + outage.gatewayPort() + "/orders/1"))
                    .header("authorization", "Bearer " + token).build();
            HttpResponse<String> unavailable = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(unavailable.statusCode()).as("no verdict on a token whose keys cannot be fetched").isEqualTo(503);
            assertThat(unavailable.body()).contains("identity-unavailable");
            assertThat(unavailable.headers().firstValue("retry-after")).hasValue("1");

            down.set(false);
            assertThat(HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode())
                    .as("the same token once the keys can be fetched: the outage was not remembered as a refusal").isEqualTo(200);
        } finally {
            outage.close();
        }
    }

    @Test
    void tokensSignedWithAPublishedKeyPassAndTheSetIsCached() throws Exception {
        for (int i = 0; i < 5; i++) {
            String token = JwtTest.rs256(JwtTest.claims().subject("user-" + i).build(), trusted);
            assertThat(status(token)).isEqualTo(200);
        }
        assertThat(fetches.get()).as("the key set is fetched once, not per token").isEqualTo(1);

        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        assertThat(status(JwtTest.rs256(JwtTest.claims().build(), rsa.generateKeyPair()))).isEqualTo(401);
    }
}
