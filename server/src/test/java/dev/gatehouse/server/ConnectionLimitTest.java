package dev.gatehouse.server;

import dev.gatehouse.core.time.Ticker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** gateway.maxConnections: past it, a new connection is closed as it arrives, counted, and the open ones carry on. */
class ConnectionLimitTest {

    static TestBed bed;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        bed = new TestBed();
        TestUpstream upstream = bed.upstream("svc");
        upstream.handler(request -> request.response().end("ok"));
        gateway = GatewayHarness.start(bed.database, "  maxConnections: 2\n", """
                upstreams: {svc: {targets: [{url: "%s"}]}}
                routes:
                  - {name: all, match: {prefix: /}, upstream: svc}
                """.formatted(upstream.url()), Ticker.system());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        bed.close();
    }

    private static double metric(String series) {
        return AdminAndStorageTest.metric(gateway.admin("/metrics").body(), series);
    }

    private static String get(Socket socket, String path) throws IOException {
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nhost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        String response = RawHttp.readResponse(socket.getInputStream());
        return response.length() < 12 ? response : response.substring(0, 12);
    }


    @Test
    void aConnectionOverTheLimitIsClosedAndTheOpenOnesCarryOn() throws IOException {
        assertThat(metric("gatehouse_gateway_max_connections")).isEqualTo(2);
        double refusedBefore = metric("gatehouse_gateway_connections_refused_total");
        try (Socket first = new Socket(InetAddress.getLoopbackAddress(), gateway.port());
             Socket second = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
            first.setSoTimeout(10_000);
            second.setSoTimeout(10_000);
            assertThat(get(first, "/a")).isEqualTo("HTTP/1.1 200");
            assertThat(get(second, "/b")).isEqualTo("HTTP/1.1 200");
            try (Socket third = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
                third.setSoTimeout(10_000);
                third.getOutputStream().write("GET /c HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(RawHttp.readUntilClosed(third)).as("closed without an answer").isEqualTo(-1);
            }
            assertThat(metric("gatehouse_gateway_connections_refused_total")).isEqualTo(refusedBefore + 1);
            assertThat(get(first, "/a")).as("the open connections are untouched").isEqualTo("HTTP/1.1 200");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> metric("gatehouse_gateway_connections") == 0);
        try (Socket again = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
            again.setSoTimeout(10_000);
            assertThat(get(again, "/d")).as("room again once connections end").isEqualTo("HTTP/1.1 200");
        }
    }
}
