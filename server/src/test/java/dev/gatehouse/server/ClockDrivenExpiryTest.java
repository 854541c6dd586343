package dev.gatehouse.server;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.core.time.ManualTicker;
import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import dev.gatehouse.testkit.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.util.Date;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One injected clock moves everything in a node that expires: a session, a JWT, a rate-limit lease and a
 * cached answer all run out when the test moves the clock, without the test waiting for any of them.
 */
class ClockDrivenExpiryTest {

    static final ManualTicker clock = new ManualTicker();
    static Vertx vertx;
    static TestDatabase database;
    static RedisNamespace redis;
    static GatewayNode node;
    static KeyPair signer;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        signer = rsa.generateKeyPair();
        String pem = TestNodes.yamlPem(signer);
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        redis = TestRedis.newNamespace();
        int upstream = TestUpstream.await(vertx.createHttpServer().requestHandler(r -> r.response()
                .putHeader("cache-control", "max-age=60").end("answer at " + System.identityHashCode(r))).listen(0, "127.0.0.1")).actualPort();
        node = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2}}
                redis: {url: "%s", keyPrefix: "%s"}
                observability: {accessLog: "off"}
                cache: {redis: false}
                auth:
                  endpoints: true
                  sessionTtl: 1h
                  jwt: {issuer: "https://id.example.com", audience: [api], algorithms: [RS256], publicKeys: ["%s"], clockSkew: 30s}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                  - {name: tokens, match: {prefix: /tokens}, upstream: svc, auth: {mode: required, accept: [jwt]}}
                  - {name: leased, match: {prefix: /leased}, upstream: svc,
                     rateLimit: {mode: leased, limits: [100000/min], leaseSize: 100, leaseTtl: 1m, expectedNodes: 1}}
                  - {name: cached, match: {prefix: /cached}, upstream: svc, cache: {ttl: 1m}}
                """.formatted(database.jdbcUrl(), TestRedis.url(), redis.prefix(), pem, upstream), clock);
        node.identities().users().create("ada@example.com", "a long enough password", "user", "free");
    }

    @AfterAll
    static void stop() {
        node.close();
        redis.close();
        vertx.close();
        database.close();
    }

    private static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double metric(String series) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return AdminAndStorageTest.metric(metrics, series);
    }

    @Test
    void aSessionEndsWhenTheClockPassesItsLifetime() throws Exception {
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + "/api/v1/auth/login"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"ada@example.com\",\"password\":\"a long enough password\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        String token = new JsonObject(login.body()).getString("token");
        assertThat(get("/api/v1/me", "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);

        clock.advance(Duration.ofMinutes(59));
        assertThat(get("/api/v1/me", "Authorization", "Bearer " + token).statusCode()).as("still within its hour").isEqualTo(200);
        clock.advance(Duration.ofMinutes(2));
        assertThat(get("/api/v1/me", "Authorization", "Bearer " + token).statusCode()).as("past its hour").isEqualTo(401);
    }

    @Test
    void aJwtIsRefusedOnceTheClockPassesItsExpiryAndTheAllowedSkew() throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("https://id.example.com").audience("api").subject("client-7")
                .expirationTime(new Date(clock.epochMillis() + Duration.ofMinutes(5).toMillis())).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims);
        jwt.sign(new RSASSASigner((RSAPrivateKey) signer.getPrivate()));
        String bearer = "Bearer " + jwt.serialize();
        assertThat(get("/tokens/a", "Authorization", bearer).statusCode()).isEqualTo(200);

        clock.advance(Duration.ofMinutes(5));
        assertThat(get("/tokens/a", "Authorization", bearer).statusCode()).as("within the 30 s skew").isEqualTo(200);
        clock.advance(Duration.ofSeconds(31));
        assertThat(get("/tokens/a", "Authorization", bearer).statusCode()).as("past exp and the skew").isEqualTo(401);
    }

    @Test
    void aRateLimitLeaseIsSpentUntilTheClockEndsItThenANewOneIsTaken() throws Exception {
        assertThat(get("/leased/1").statusCode()).isEqualTo(200);
        double taken = metric("gatehouse_ratelimit_leases_taken_total");
        assertThat(taken).isGreaterThanOrEqualTo(1);
        for (int i = 0; i < 5; i++) {
            assertThat(get("/leased/" + i).statusCode()).isEqualTo(200);
        }
        assertThat(metric("gatehouse_ratelimit_leases_taken_total")).as("spent from the lease it holds").isEqualTo(taken);

        clock.advance(Duration.ofSeconds(61));
        assertThat(get("/leased/after").statusCode()).isEqualTo(200);
        assertThat(metric("gatehouse_ratelimit_leases_taken_total")).as("the lease ran out with the clock").isEqualTo(taken + 1);
    }

    @Test
    void aCachedAnswerIsServedUntilTheClockPassesItsFreshness() throws Exception {
        HttpResponse<String> first = get("/cached/x");
        assertThat(first.headers().firstValue("x-cache")).contains("MISS");
        clock.advance(Duration.ofSeconds(59));
        HttpResponse<String> hit = get("/cached/x");
        assertThat(hit.headers().firstValue("x-cache")).contains("HIT-L1");
        assertThat(hit.headers().firstValue("age")).contains("59");
        assertThat(hit.body()).isEqualTo(first.body());

        clock.advance(Duration.ofSeconds(2));
        assertThat(get("/cached/x").headers().firstValue("x-cache")).as("past its 60 s").contains("MISS");
    }
}
