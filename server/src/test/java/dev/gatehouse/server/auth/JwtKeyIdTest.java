package dev.gatehouse.server.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
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
import java.security.interfaces.ECPrivateKey;

import static org.assertj.core.api.Assertions.assertThat;

/** Configured JWT keys with and without a {@code kid}, as a provider rotating its keys publishes them. */
class JwtKeyIdTest {

    static Vertx vertx;
    static TestDatabase database;
    static GatewayNode node;
    static KeyPair current;
    static KeyPair previous;
    static KeyPair unnamed;
    static KeyPair p384;
    static KeyPair p256;
    static final HttpClient http = HttpClient.newHttpClient();

    static String pem(KeyPair keys) {
        return TestNodes.yamlPem(keys);
    }

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        current = rsa.generateKeyPair();
        previous = rsa.generateKeyPair();
        unnamed = rsa.generateKeyPair();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(384);
        p384 = ec.generateKeyPair();
        ec.initialize(256);
        p256 = ec.generateKeyPair();
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        int upstream = TestNodes.okUpstream(vertx);
        node = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2}}
                observability: {accessLog: "off"}
                auth:
                  jwt:
                    issuer: "https://id.example.com"
                    audience: [orders-api]
                    algorithms: [RS256, ES256, ES384]
                    publicKeys:
                      - {kid: "2025-01", pem: "%s"}
                      - {kid: "2024-07", pem: "%s"}
                      - "%s"
                      - {kid: "ec-384", pem: "%s"}
                      - {pem: "%s"}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                  - {name: orders, match: {prefix: /orders}, upstream: svc, auth: {mode: required, accept: [jwt]}}
                """.formatted(database.jdbcUrl(), pem(current), pem(previous), pem(unnamed), pem(p384), pem(p256), upstream));
    }

    @AfterAll
    static void stop() {
        node.close();
        vertx.close();
        database.close();
    }

    static int status(String kid, KeyPair keys) {
        String token = JwtTest.rs256(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), JwtTest.claims().build(), keys);
        return status(token);
    }

    static int status(String token) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + "/orders/1"))
                    .header("authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aTokenIsVerifiedByTheKeyItsKidNames() {
        assertThat(status("2025-01", current)).isEqualTo(200);
        assertThat(status("2024-07", previous)).isEqualTo(200);
    }

    @Test
    void aKidThatNamesAnotherKeyDoesNotVerify() {
        assertThat(status("2025-01", previous)).isEqualTo(401);
        assertThat(status("unknown", current)).as("a key with a kid of its own is not tried for another kid").isEqualTo(401);
    }

    @Test
    void keysWithoutAKidAreTriedForEveryToken() {
        assertThat(status("anything", unnamed)).isEqualTo(200);
        assertThat(status(null, unnamed)).isEqualTo(200);
        assertThat(status(null, previous)).as("a token without a kid may be signed by any configured key").isEqualTo(200);
    }

    static String es(JWSAlgorithm algorithm, String kid, KeyPair keys) throws Exception {
        com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(new JWSHeader.Builder(algorithm).keyID(kid).build(), JwtTest.claims().build());
        jwt.sign(new ECDSASigner((ECPrivateKey) keys.getPrivate()));
        return jwt.serialize();
    }

    @Test
    void anEcKeyIsTriedOnlyForTheAlgorithmOfItsCurve() throws Exception {
        assertThat(status(es(JWSAlgorithm.ES384, "ec-384", p384))).isEqualTo(200);
        assertThat(status(es(JWSAlgorithm.ES256, null, p256))).as("the P-384 key listed first is not tried for ES256").isEqualTo(200);
    }
}
