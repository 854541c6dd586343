package dev.gatehouse.server.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class JwtTest {

    static Vertx vertx;
    static TestDatabase database;
    static GatewayNode node;
    static KeyPair trusted;
    static KeyPair stranger;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        trusted = rsa.generateKeyPair();
        stranger = rsa.generateKeyPair();
        String pem = TestNodes.yamlPem(trusted);
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        int upstream = TestNodes.okUpstream(vertx);
        String yaml = """
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2}}
                observability: {accessLog: "off"}
                auth:
                  jwt: {issuer: "https://id.example.com", audience: [orders-api], algorithms: [RS256], publicKeys: ["%s"], clockSkew: 1s}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                  - {name: orders, match: {prefix: /orders}, upstream: svc, auth: {mode: required, accept: [jwt], scopes: [orders:read]},
                     rateLimit: {tiers: true, mode: local}}
                """.formatted(database.jdbcUrl(), pem, upstream);
        node = TestNodes.start(yaml);
    }

    @AfterAll
    static void stop() {
        node.close();
        vertx.close();
        database.close();
    }

    static JWTClaimsSet.Builder claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer("https://id.example.com").audience("orders-api").subject("alice")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300))).claim("tier", "pro").claim("scope", "orders:read profile");
    }

    static String rs256(JWTClaimsSet claims, KeyPair keys) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims);
            jwt.sign(new RSASSASigner((RSAPrivateKey) keys.getPrivate()));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> get(String token) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + "/orders/1"))
                    .header("authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aValidTokenPassesAndItsTierDecidesTheLimit() {
        HttpResponse<String> response = get(rs256(claims().build(), trusted));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-ratelimit-limit")).hasValue("10000");
    }

    static Stream<Object[]> forgeries() throws Exception {
        Instant now = Instant.now();
        String valid = rs256(claims().build(), trusted);
        String[] parts = valid.split("\\.");
        String richer = Base64.getUrlEncoder().withoutPadding().encodeToString(claims().claim("tier", "enterprise").build().toString().getBytes());
        SignedJWT confused = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims().build());
        confused.sign(new MACSigner(trusted.getPublic().getEncoded()));
        return Stream.of(
                new Object[]{"alg none", new PlainJWT(claims().build()).serialize()},
                new Object[]{"HS256 signed with the RSA public key", confused.serialize()},
                new Object[]{"expired", rs256(claims().expirationTime(Date.from(now.minusSeconds(300))).build(), trusted)},
                new Object[]{"not yet valid", rs256(claims().notBeforeTime(Date.from(now.plusSeconds(300))).build(), trusted)},
                new Object[]{"wrong audience", rs256(claims().audience("billing-api").build(), trusted)},
                new Object[]{"wrong issuer", rs256(claims().issuer("https://evil.example.com").build(), trusted)},
                new Object[]{"tampered payload", parts[0] + "." + richer + "." + parts[2]},
                new Object[]{"signed by another key", rs256(claims().build(), stranger)},
                new Object[]{"no subject", rs256(claims().subject(null).build(), trusted)});
    }

    @ParameterizedTest(name = "{0} is refused")
    @MethodSource("forgeries")
    void forgedTokensAreRefused(String forgery, String token) {
        HttpResponse<String> response = get(token);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("the token is not valid");
    }

    @Test
    void aTokenIsRefusedOnceItExpiresEvenWhileItsVerificationIsRemembered() {
        String soon = rs256(claims().expirationTime(Date.from(Instant.now().plusSeconds(2))).build(), trusted);
        assertThat(get(soon).statusCode()).isEqualTo(200);
        // verification results are kept 30 s; exp (plus the 1 s skew) still ends the token on time
        await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertThat(get(soon).statusCode()).isEqualTo(401));
    }

    static String rs256(JWSHeader header, JWTClaimsSet claims, KeyPair keys) {
        try {
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(new RSASSASigner((RSAPrivateKey) keys.getPrivate()));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aTokenNamingItsKeyByKidIsVerifiedByAConfiguredKeyWithoutOne() {
        String token = rs256(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("2024-07-rotation").build(), claims().build(), trusted);
        HttpResponse<String> response = get(token);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(get(rs256(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("2024-07-rotation").build(), claims().build(), stranger))
                .statusCode()).as("a kid does not stand in for the signature").isEqualTo(401);
    }

    @ParameterizedTest(name = "typ {0} is accepted")
    @ValueSource(strings = {"at+jwt", "application/at+jwt", "JWT", "application/jwt"})
    void accessTokensAsIdentityProvidersIssueThemAreAccepted(String type) {
        String token = rs256(new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType(type)).keyID("idp-key-1").build(),
                claims().claim("client_id", "mobile-app").claim("jti", "a1").build(), trusted);
        HttpResponse<String> response = get(token);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void aSignedTokenOfAnotherTypeIsNotACredential() {
        String logout = rs256(new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType("logout+jwt")).build(), claims().build(), trusted);
        assertThat(get(logout).statusCode()).isEqualTo(401);
    }

    @Test
    void aValidTokenWithoutTheScopeIsForbidden() {
        HttpResponse<String> response = get(rs256(claims().claim("scope", "profile").build(), trusted));
        assertThat(response.statusCode()).isEqualTo(403);
    }
}
