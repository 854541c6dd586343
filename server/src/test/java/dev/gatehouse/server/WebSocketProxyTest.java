package dev.gatehouse.server;

import dev.gatehouse.core.time.Ticker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.UpgradeRejectedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * WebSocket handshakes pass through a route's filters (auth, rate limit) and, once the upstream accepts,
 * become a tunnel with its own idle and lifetime limits; a route that does not take them refuses them
 * instead of turning them into plain GETs.
 */
class WebSocketProxyTest {

    static TestBed bed;
    static HttpServer echo;
    static GatewayHarness gateway;
    static String key;
    static final AtomicInteger handshakes = new AtomicInteger();
    static final List<String> plainRequests = new CopyOnWriteArrayList<>();
    static Vertx clients;
    static WebSocketClient client;

    @BeforeAll
    static void start() throws Exception {
        bed = new TestBed();
        echo = TestUpstream.await(bed.vertx.createHttpServer()
                .webSocketHandshakeHandler(handshake -> {
                    handshakes.incrementAndGet();
                    if (handshake.path().endsWith("/refused")) {
                        handshake.reject(403);
                    } else {
                        handshake.accept();
                    }
                })
                .webSocketHandler(ws -> ws.textMessageHandler(ws::writeTextMessage))
                .requestHandler(request -> {
                    plainRequests.add(request.path());
                    request.response().end("plain");
                })
                .listen(0, "127.0.0.1"));
        gateway = GatewayHarness.start(bed.database, "", """
                upstreams: {echo: {targets: [{url: "http://127.0.0.1:%d"}]}}
                routes:
                  - {name: chat, match: {prefix: /chat}, upstream: echo, websocket: true, auth: {mode: required}}
                  - {name: limited, match: {prefix: /limited}, upstream: echo, websocket: true, rateLimit: {limits: [2/min]}}
                  - {name: quiet, match: {prefix: /quiet}, upstream: echo, websocket: {idleTimeout: 1s, maxDuration: 1h}}
                  - {name: plain, match: {prefix: /plain}, upstream: echo}
                """.formatted(echo.actualPort()), Ticker.system());
        key = gateway.node().identities().keys().create("chat", "pro", List.of(), null, null).key();
        clients = Vertx.vertx();
        client = clients.createWebSocketClient();
    }

    @AfterAll
    static void stop() {
        clients.close();
        gateway.close();
        bed.close();
    }

    private static WebSocket connect(String path, String... headers) throws Exception {
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.port()).setURI(path);
        for (int i = 0; i < headers.length; i += 2) {
            options.addHeader(headers[i], headers[i + 1]);
        }
        return join(client.connect(options));
    }

    private static <T> T join(Future<T> future) throws Exception {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    private static double metric(String series) {
        return AdminAndStorageTest.metric(gateway.admin("/metrics").body(), series);
    }

    @Test
    void anAuthenticatedHandshakeBecomesATunnelThatCarriesMessagesBothWays() throws Exception {
        double fromClients = metric("gatehouse_websocket_frames_total{from=\"client\"}");
        double fromUpstreams = metric("gatehouse_websocket_frames_total{from=\"upstream\"}");
        WebSocket ws = connect("/chat/room", "X-API-Key", key);
        CompletableFuture<String> reply = new CompletableFuture<>();
        ws.textMessageHandler(reply::complete);
        ws.writeTextMessage("hello through the gateway");
        assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("hello through the gateway");
        assertThat(metric("gatehouse_websocket_connections")).isEqualTo(1);
        // one text frame each way: counted as it passed, before the echo could come back
        assertThat(metric("gatehouse_websocket_frames_total{from=\"client\"}") - fromClients).isEqualTo(1);
        assertThat(metric("gatehouse_websocket_frames_total{from=\"upstream\"}") - fromUpstreams).isEqualTo(1);
        join(ws.close());
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(metric("gatehouse_websocket_connections")).isZero());
    }

    @Test
    void aHandshakeWithoutCredentialsIsRefusedBeforeItReachesTheUpstream() {
        int before = handshakes.get();
        assertThatThrownBy(() -> connect("/chat/room"))
                .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
        assertThat(handshakes.get()).isEqualTo(before);
    }

    @Test
    void handshakesCountAgainstTheRoutesRateLimit() throws Exception {
        connect("/limited/a").close();
        connect("/limited/b").close();
        assertThatThrownBy(() -> connect("/limited/c"))
                .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(429));
    }

    @Test
    void anUpstreamRefusingTheHandshakeIsAnsweredAsIs() {
        assertThatThrownBy(() -> connect("/chat/refused", "X-API-Key", key))
                .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(403));
    }

    @Test
    void aRouteWithoutWebSocketsRefusesTheHandshakeInsteadOfSendingAPlainGet() {
        int before = plainRequests.size();
        RawHttp.Reply reply = RawHttp.exchange(gateway.port(), "GET /plain/socket HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\n"
                + "upgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body()).contains("urn:gatehouse:problem:websocket-not-allowed").contains("route 'plain'");
        assertThat(plainRequests).hasSize(before);
    }

    @Test
    void aTunnelWithNothingToCarryIsClosedAfterItsIdleTimeout() throws Exception {
        double before = metric("gatehouse_websocket_closed_total{reason=\"idle\"}");
        WebSocket ws = connect("/quiet/x");
        CompletableFuture<Void> closed = new CompletableFuture<>();
        ws.closeHandler(v -> closed.complete(null));
        closed.get(10, TimeUnit.SECONDS);
        assertThat(metric("gatehouse_websocket_closed_total{reason=\"idle\"}")).isEqualTo(before + 1);
    }
}
