package dev.gatehouse.server;

import dev.gatehouse.core.time.ManualTicker;
import dev.gatehouse.core.time.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One source cannot hold every connection slot of a node: connections per address are capped (a trusted
 * proxy has a cap of its own), and a keep-alive connection ends after a number of requests or an age.
 */
class ClientConnectionLimitsTest {

    private TestBed bed;
    private GatewayHarness gateway;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() {
        bed = new TestBed();
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        bed.close();
    }

    private void startGateway(String settings, Ticker ticker) {
        TestUpstream upstream = bed.upstream("svc");
        upstream.handler(request -> request.response().end("ok"));
        gateway = GatewayHarness.start(bed.database, settings, """
                upstreams: {svc: {targets: [{url: "%s"}]}}
                routes:
                  - {name: all, match: {prefix: /}, upstream: svc}
                """.formatted(upstream.url()), ticker);
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), gateway.port());
        socket.setSoTimeout(10_000);
        sockets.add(socket);
        return socket;
    }

    private static String get(Socket socket) throws IOException {
        socket.getOutputStream().write("GET /x HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return RawHttp.readResponse(socket.getInputStream());
    }


    private double metric(String series) {
        return AdminAndStorageTest.metric(gateway.admin("/metrics").body(), series);
    }

    @Test
    void anAddressHoldingItsShareOfConnectionsHasItsNextOneClosedWhileTheOthersCarryOn() throws IOException {
        startGateway("  maxConnectionsPerAddress: 3\n", Ticker.system());
        for (int i = 0; i < 3; i++) {
            assertThat(get(connect())).startsWith("HTTP/1.1 200");
        }
        Socket fourth = connect();
        fourth.getOutputStream().write("GET /x HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(RawHttp.readUntilClosed(fourth)).as("closed without an answer").isEqualTo(-1);
        assertThat(metric("gatehouse_gateway_connections_refused_per_address_total")).isEqualTo(1);

        assertThat(get(sockets.get(0))).as("the open connections are untouched").startsWith("HTTP/1.1 200");
        sockets.get(1).close();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(metric("gatehouse_gateway_connections")).isEqualTo(2));
        assertThat(get(connect())).as("a slot freed is a slot to take").startsWith("HTTP/1.1 200");
    }

    @Test
    void aTrustedProxyIsHeldToItsOwnLimitNotToOneAddresssShare() throws IOException {
        startGateway("  maxConnectionsPerAddress: 2\n  maxConnectionsPerProxy: 4\n  trustedProxies: [127.0.0.1]\n", Ticker.system());
        for (int i = 0; i < 4; i++) {
            assertThat(get(connect())).as("connection %d of the proxy", i + 1).startsWith("HTTP/1.1 200");
        }
        Socket fifth = connect();
        fifth.getOutputStream().write("GET /x HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(RawHttp.readUntilClosed(fifth)).isEqualTo(-1);
        assertThat(metric("gatehouse_gateway_connections_refused_per_address_total")).isEqualTo(1);
    }

    @Test
    void aConnectionIsToldToCloseOnItsLastAllowedRequestAndThenClosed() throws IOException {
        startGateway("  maxRequestsPerConnection: 3\n", Ticker.system());
        Socket socket = connect();
        assertThat(get(socket)).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("connection: close");
        assertThat(get(socket)).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("connection: close");
        assertThat(get(socket)).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
        assertThat(RawHttp.readUntilClosed(socket)).isEqualTo(-1);
        assertThat(metric("gatehouse_gateway_keepalive_ended_total")).isEqualTo(1);
    }

    @Test
    void aConnectionOlderThanItsMaximumAgeIsClosedAfterItsNextAnswer() throws IOException {
        ManualTicker ticker = new ManualTicker();
        startGateway("  maxConnectionAge: 10m\n  idleTimeout: 1h\n", ticker);
        Socket socket = connect();
        assertThat(get(socket)).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("connection: close");
        ticker.advance(Duration.ofMinutes(9));
        assertThat(get(socket)).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("connection: close");
        ticker.advance(Duration.ofMinutes(2));
        assertThat(get(socket)).as("a tiny request now and then does not keep it for ever")
                .startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
        assertThat(RawHttp.readUntilClosed(socket)).isEqualTo(-1);
    }
}
