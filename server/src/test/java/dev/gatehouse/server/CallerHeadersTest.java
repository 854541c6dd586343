package dev.gatehouse.server;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.server.auth.KeyStore;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an upstream learns about the caller: never Gatehouse's own credentials, never a credential the
 * gateway did not check on an authenticated route, and the caller's identity only in X-Gatehouse-*
 * headers the gateway sets itself.
 */
class CallerHeadersTest {

    static TestBed bed;
    static TestUpstream upstream;
    static GatewayHarness gateway;
    static KeyPair signer;
    static KeyStore.Created key;
    static String sessionToken;
    static long adminId;

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        signer = rsa.generateKeyPair();
        String pem = "-----BEGIN PUBLIC KEY-----\\n" + Base64.getMimeEncoder().encodeToString(signer.getPublic().getEncoded())
                .replace("\r\n", "\\n") + "\\n-----END PUBLIC KEY-----";
        bed = new TestBed();
        upstream = bed.upstream("svc");
        gateway = GatewayHarness.start(bed.database, """
                auth:
                  passwordIterations: 100000
                  jwt: {issuer: "https://id.example.com", audience: [orders-api], algorithms: [RS256], publicKeys: ["%s"]}
                upstreams:
                  svc: {targets: [{url: "%s"}]}
                routes:
                  - {name: open, match: {prefix: /open}, upstream: svc}
                  - {name: none, match: {prefix: /none}, upstream: svc, auth: {mode: none}}
                  - {name: keyed, match: {prefix: /keyed}, upstream: svc, auth: {mode: required, accept: [api-key, session, jwt]}}
                  - {name: optional, match: {prefix: /optional}, upstream: svc, auth: {mode: optional}}
                """.formatted(pem, upstream.url()));
        key = gateway.node().identities().keys().create("partner", "pro", List.of("orders:read", "orders:write"), null, null);
        adminId = gateway.node().identities().users().create("ada@example.com", "correct horse", "admin", "enterprise").id();
        sessionToken = gateway.node().identities().users().login("ada@example.com", "correct horse", Duration.ofHours(1)).orElseThrow().token();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        bed.close();
    }

    private static MultiMap seen(String path, String... headers) {
        HttpResponse<String> response = gateway.get(path, headers);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return upstream.last().headers();
    }

    private static String jwt(String subject) {
        try {
            Instant now = Instant.now();
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), new JWTClaimsSet.Builder().issuer("https://id.example.com")
                    .audience("orders-api").subject(subject).issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)))
                    .claim("tier", "pro").claim("scope", "profile orders:read").build());
            jwt.sign(new RSASSASigner((RSAPrivateKey) signer.getPrivate()));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void gatehouseCredentialsNeverReachTheUpstreamOfARouteWithoutAuthentication() {
        for (String path : List.of("/open/a", "/none/a")) {
            assertThat(seen(path, "X-API-Key", key.key()).contains("x-api-key")).as(path + ": X-API-Key").isFalse();
            assertThat(seen(path, "Authorization", "Bearer " + key.key()).contains("authorization")).as(path + ": a key as Bearer").isFalse();
            assertThat(seen(path, "Authorization", "Bearer " + sessionToken).contains("authorization")).as(path + ": a session").isFalse();
            assertThat(seen(path, "Authorization", "Bearer gh_live_notquiteakey").contains("authorization"))
                    .as(path + ": anything in Gatehouse's key format").isFalse();
            assertThat(seen(path, "Authorization", "Basic dXNlcjpwYXNz").get("authorization"))
                    .as(path + ": the upstream's own credentials pass on a route the gateway does not authenticate").isEqualTo("Basic dXNlcjpwYXNz");
        }
    }

    @Test
    void onAnAuthenticatedRouteACredentialTheGatewayDidNotVerifyIsRemoved() {
        String unsigned = new PlainJWT(new JWTClaimsSet.Builder().subject("root").claim("role", "admin").build()).serialize();
        MultiMap withKey = seen("/keyed/a", "X-API-Key", key.key(), "Authorization", "Bearer " + unsigned);
        assertThat(withKey.contains("x-api-key")).isFalse();
        assertThat(withKey.contains("authorization")).as("an unsigned JWT beside the key the gateway checked").isFalse();

        MultiMap anotherKey = seen("/keyed/a", "X-API-Key", key.key(), "Authorization", "Bearer some-other-services-key");
        assertThat(anotherKey.contains("authorization")).isFalse();

        MultiMap anonymous = seen("/optional/a", "Authorization", "Basic dXNlcjpwYXNz");
        assertThat(anonymous.contains("authorization")).as("an optional route's anonymous caller, with a credential nobody checked").isFalse();

        MultiMap session = seen("/keyed/a", "Authorization", "Bearer " + sessionToken);
        assertThat(session.contains("authorization")).isFalse();
    }

    @Test
    void theUpstreamLearnsWhoCalledFromHeadersTheGatewaySets() {
        MultiMap byKey = seen("/keyed/a", "X-API-Key", key.key());
        assertThat(byKey.get("x-gatehouse-subject")).isEqualTo("key:" + key.record().id());
        assertThat(byKey.get("x-gatehouse-key-id")).isEqualTo(String.valueOf(key.record().id()));
        assertThat(byKey.get("x-gatehouse-tier")).isEqualTo("pro");
        assertThat(byKey.get("x-gatehouse-scopes")).isEqualTo("orders:read orders:write");
        assertThat(byKey.contains("x-gatehouse-role")).isFalse();

        MultiMap bySession = seen("/keyed/a", "Authorization", "Bearer " + sessionToken);
        assertThat(bySession.get("x-gatehouse-subject")).isEqualTo("user:" + adminId);
        assertThat(bySession.get("x-gatehouse-role")).isEqualTo("admin");
        assertThat(bySession.get("x-gatehouse-tier")).isEqualTo("enterprise");
        assertThat(bySession.contains("x-gatehouse-key-id")).isFalse();
    }

    @Test
    void aVerifiedEndUserJwtIsForwardedWithItsSubject() {
        String token = jwt("alice\r\nX-Evil: 1 é");
        MultiMap byJwt = seen("/keyed/a", "Authorization", "Bearer " + token);
        assertThat(byJwt.get("authorization")).isEqualTo("Bearer " + token);
        assertThat(byJwt.get("x-gatehouse-subject")).as("a subject is percent-encoded where it is not printable ASCII")
                .isEqualTo("jwt:alice%0D%0AX-Evil: 1 %C3%A9");
        assertThat(byJwt.get("x-gatehouse-scopes")).isEqualTo("orders:read profile");
        assertThat(byJwt.contains("x-evil")).isFalse();
    }

    @Test
    void identityHeadersAClientSendsAreDroppedOnEveryRoute() {
        String[] forged = {"X-Gatehouse-Subject", "user:1", "X-Gatehouse-Key-Id", "1", "X-Gatehouse-Tier", "enterprise",
                "X-Gatehouse-Scopes", "admin", "X-Gatehouse-Role", "admin"};
        for (String path : List.of("/open/a", "/none/a", "/optional/a")) {
            MultiMap seen = seen(path, forged);
            for (int i = 0; i < forged.length; i += 2) {
                assertThat(seen.contains(forged[i])).as(path + ": " + forged[i]).isFalse();
            }
        }
        String[] withKey = new String[forged.length + 2];
        System.arraycopy(forged, 0, withKey, 0, forged.length);
        withKey[forged.length] = "X-API-Key";
        withKey[forged.length + 1] = key.key();
        MultiMap seen = seen("/keyed/a", withKey);
        assertThat(seen.getAll("x-gatehouse-subject")).containsExactly("key:" + key.record().id());
        assertThat(seen.getAll("x-gatehouse-tier")).containsExactly("pro");
        assertThat(seen.contains("x-gatehouse-role")).isFalse();
    }

    @Test
    void aClientCannotStripTheIdentityHeadersByNamingThemInConnection() {
        RawHttp.Reply reply = RawHttp.exchange(gateway.port(), "GET /keyed/a HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key.key()
                + "\r\nConnection: close, X-Gatehouse-Subject, X-Gatehouse-Tier\r\n\r\n");
        assertThat(reply.status()).isEqualTo(200);
        MultiMap seen = upstream.last().headers();
        assertThat(seen.get("x-gatehouse-subject")).isEqualTo("key:" + key.record().id());
        assertThat(seen.get("x-gatehouse-tier")).isEqualTo("pro");
    }
}
