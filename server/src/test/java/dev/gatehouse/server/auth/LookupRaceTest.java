package dev.gatehouse.server.auth;

import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.server.GatewayNode;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A credential looked up in PostgreSQL while it is revoked: the look-up's query reads the credential as it
 * was, the revocation commits and its notice reaches the node, and only then does the query's answer come
 * back (a relay holds it). The node must not cache that answer: from then on the credential is refused.
 */
class LookupRaceTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    Vertx vertx;
    TestDatabase database;
    HeldAnswerRelay relay;
    GatewayNode node;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        relay = new HeldAnswerRelay(vertx, database.jdbcUrl());
        int upstream = TestNodes.okUpstream(vertx);
        node = TestNodes.start("""
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2}}
                observability: {accessLog: "off"}
                auth: {passwordIterations: 100000}
                upstreams:
                  svc: {targets: [{url: "http://127.0.0.1:%d"}]}
                routes:
                  - {name: orders, match: {prefix: /orders}, upstream: svc, auth: {mode: required, accept: [api-key, session]}}
                """.formatted(relay.relayed(database.jdbcUrl()), upstream));
    }

    @AfterEach
    void stop() {
        node.close();
        relay.close();
        vertx.close();
        database.close();
    }

    private CompletableFuture<HttpResponse<String>> send(String credential) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + "/orders/1"))
                .timeout(Duration.ofSeconds(30)).header("authorization", "Bearer " + credential).build(), HttpResponse.BodyHandlers.ofString());
    }

    private int status(String credential) {
        return send(credential).join().statusCode();
    }

    /** A key the node has cached, revoked after the change under test: once it is refused, the node has heard of both. */
    private KeyStore.Created probe() throws Exception {
        KeyStore.Created probe = node.identities().keys().create("probe", "free", List.of(), null, null);
        assertThat(status(probe.key())).isEqualTo(200);
        return probe;
    }

    private void revokeAndAwaitNotice(KeyStore.Created probe) throws Exception {
        // notices arrive in commit order and the node applies them one at a time
        assertThat(node.identities().keys().revoke(String.valueOf(probe.record().id()))).isTrue();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> status(probe.key()) == 401);
    }

    @Test
    void aKeyRevokedWhileItsLookupRunsIsRefusedFromTheNextRequestOn() throws Exception {
        KeyStore.Created key = node.identities().keys().create("raced", "free", List.of(), null, null);
        KeyStore.Created probe = probe();
        HeldAnswerRelay.Hold hold = relay.holdAnswerTo(ApiKeys.hash(key.key()));
        CompletableFuture<HttpResponse<String>> raced = send(key.key());
        hold.awaitHeld(WAIT); // the node's query has read the key, still active

        assertThat(node.identities().keys().revoke(String.valueOf(key.record().id()))).isTrue();
        revokeAndAwaitNotice(probe);
        hold.release();

        assertThat(raced.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode())
                .as("the request that raced the revocation is answered from what its query read").isEqualTo(200);
        assertThat(status(key.key())).as("every request after it: the raced answer was not cached").isEqualTo(401);
    }

    @Test
    void aRequestAfterTheNodeHeardOfARevocationDoesNotWaitForALookupBegunBeforeIt() throws Exception {
        KeyStore.Created key = node.identities().keys().create("raced", "free", List.of(), null, null);
        KeyStore.Created probe = probe();
        HeldAnswerRelay.Hold hold = relay.holdAnswerTo(ApiKeys.hash(key.key()));
        CompletableFuture<HttpResponse<String>> raced = send(key.key());
        hold.awaitHeld(WAIT);

        assertThat(node.identities().keys().revoke(String.valueOf(key.record().id()))).isTrue();
        revokeAndAwaitNotice(probe);
        // the look-up begun before the revocation is still held: a request now must not share its (old) answer
        CompletableFuture<HttpResponse<String>> after = send(key.key());
        try {
            assertThat(after.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(401);
        } finally {
            hold.release();
        }
        assertThat(raced.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(status(key.key())).isEqualTo(401);
    }

    @Test
    void aSessionWhoseUserIsDeletedWhileItsLookupRunsIsRefusedFromTheNextRequestOn() throws Exception {
        UserStore users = node.identities().users();
        UserStore.User user = users.create("raced@example.com", "a long password", "user", "free");
        String session = users.login("raced@example.com", "a long password", Duration.ofHours(1)).orElseThrow().token();
        KeyStore.Created probe = probe();
        HeldAnswerRelay.Hold hold = relay.holdAnswerTo(ApiKeys.hash(session));
        CompletableFuture<HttpResponse<String>> raced = send(session);
        hold.awaitHeld(WAIT);

        // the notice names the user, not the session: the node cannot tell which look-up it concerns
        assertThat(users.delete(user.id())).isTrue();
        revokeAndAwaitNotice(probe);
        hold.release();

        assertThat(raced.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(status(session)).as("every request after it: the raced answer was not cached").isEqualTo(401);
    }
}
