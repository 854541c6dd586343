package dev.gatehouse.server.auth;

import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.server.GatewayNode;
import dev.gatehouse.server.TcpProxy;
import dev.gatehouse.server.TestNodes;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node whose PostgreSQL goes away and comes back (through a relay the test cuts): credentials that
 * cannot be checked are never called unauthorized, and what the node already knew keeps serving until a
 * fresh look at the database replaces it.
 */
class IdentityOutageTest {

    Vertx vertx;
    TestDatabase database;
    TcpProxy relay;
    GatewayNode node;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        relay = TcpProxy.toDatabase(vertx, database.jdbcUrl());
        int upstream = TestNodes.okUpstream(vertx);
        node = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2, connectionTimeout: 1s}}
                observability: {accessLog: "off"}
                auth: {endpoints: true}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                  - {name: orders, match: {prefix: /orders}, upstream: svc, auth: {mode: required}}
                """.formatted(relay.relayed(database.jdbcUrl()), upstream));
    }

    @AfterEach
    void stop() {
        node.close();
        relay.close();
        vertx.close();
        database.close();
    }

    private HttpResponse<String> get(int port, String path, String key) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20))
                    .header("x-api-key", key).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private int gateway(String key) {
        return get(node.gatewayPort(), "/orders/1", key).statusCode();
    }

    @Test
    void anAdminKeyFirstUsedWhilePostgresIsUnreachableGets503NeverUnauthorized() throws Exception {
        String admin = node.identities().keys().create("ops", "enterprise", List.of("admin"), null, null).key();
        relay.cut();
        HttpResponse<String> during = get(node.adminPort(), "/keys", admin);
        assertThat(during.statusCode()).as(during.body()).isEqualTo(503);
        assertThat(during.headers().firstValue("retry-after")).isPresent();
        assertThat(during.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(during.body()).contains("urn:gatehouse:problem:identity-unavailable");
        HttpResponse<String> me = get(node.gatewayPort(), "/api/v1/me", admin);
        assertThat(me.statusCode()).as("the gateway's /me: " + me.body()).isEqualTo(503);
        assertThat(me.body()).contains("urn:gatehouse:problem:identity-unavailable");

        relay.restore();
        List<Integer> seen = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            seen.add(get(node.adminPort(), "/keys", admin).statusCode());
            return seen.get(seen.size() - 1) == 200;
        });
        assertThat(seen).as("while the node reconnects, the key is unchecked, not wrong").isSubsetOf(503, 200);
    }

    @Test
    void cachedKeysServeThroughAnOutageAndItsRecoveryAndARevocationMadeMeanwhileTakesHoldAfter() throws Exception {
        String kept = node.identities().keys().create("kept", "free", List.of(), null, null).key();
        KeyStore.Created revoked = node.identities().keys().create("revoked", "free", List.of(), null, null);
        assertThat(gateway(kept)).isEqualTo(200);
        assertThat(gateway(revoked.key())).isEqualTo(200);

        relay.cut();
        assertThat(gateway(ApiKeys.generate(new SecureRandom()))).as("a key never seen cannot be checked").isEqualTo(503);
        long outageEnds = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < outageEnds) {
            assertThat(gateway(kept)).as("a known key during the outage").isEqualTo(200);
        }
        // changed in the database while the node cannot hear of it
        try (var c = database.connect(); var s = c.createStatement()) {
            s.executeUpdate("UPDATE gatehouse_api_keys SET active = false, revoked_at = now() WHERE id = " + revoked.record().id());
            s.executeUpdate("UPDATE gatehouse_tiers SET limits = '{7/min}' WHERE name = 'pro'");
        }
        assertThat(gateway(revoked.key())).as("not yet known to be revoked").isEqualTo(200);

        relay.restore();
        long restored = System.nanoTime();
        List<Integer> keptStatuses = new ArrayList<>();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> {
            keptStatuses.add(gateway(kept));
            return gateway(revoked.key()) == 401;
        });
        long refusedAfterMillis = (System.nanoTime() - restored) / 1_000_000;
        long settled = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < settled) {
            keptStatuses.add(gateway(kept));
            assertThat(gateway(revoked.key())).as("revoked stays revoked").isEqualTo(401);
        }
        assertThat(keptStatuses).as("a key that worked all along keeps working while the node reconnects").containsOnly(200);
        assertThat(refusedAfterMillis).as("the revocation takes hold within the feed's reconnect bound").isLessThan(12_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> List.of(RateLimit.perMinute(7)).equals(node.identities().tier("pro")));
    }
}
