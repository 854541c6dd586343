package dev.gatehouse.server;

import dev.gatehouse.core.time.Ticker;
import dev.gatehouse.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class LimitsTest {

    static TestBed bed;
    static TestDatabase database;
    static TestUpstream upstream;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        bed = new TestBed();
        database = bed.database;
        upstream = bed.upstream("svc");
        upstream.handler(request -> {
            if (request.path().startsWith("/slow")) {
                return; // never answers
            }
            if (request.path().startsWith("/early")) {
                request.response().end("early");
                return;
            }
            request.body().onSuccess(body -> request.response().end("got " + body.length() + " bytes"));
        });
        gateway = GatewayHarness.start(database, "  maxHeaderBytes: 2KiB\n  maxBodyBytes: 1KiB\n  headerTimeout: 500ms\n", """
                upstreams:
                  svc:
                    targets: [{url: "%s"}]
                    breaker: {enabled: false}
                routes:
                  - name: slow
                    match: {prefix: /slow}
                    upstream: svc
                    requestTimeout: 300ms
                  - name: uploads
                    match: {prefix: /uploads}
                    upstream: svc
                    maxBodyBytes: 64KiB
                  - name: strict
                    match: {prefix: /strict}
                    upstream: svc
                    maxHeaderBytes: 512
                  - name: default
                    match: {prefix: /}
                    upstream: svc
                """.formatted(upstream.url()), Ticker.system());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        bed.close();
    }

    @Test
    void anUpstreamThatDoesNotAnswerInTimeGets504() {
        HttpResponse<String> response = gateway.get("/slow/report");
        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.body()).contains("urn:gatehouse:problem:upstream-timeout", "did not answer within 300 ms");
    }

    @Test
    void aDeclaredBodyOverTheLimitIsRefusedBeforeReachingTheUpstream() {
        int before = upstream.requests();
        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(gateway.uri("/data"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(2048))).build());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("exceeds this route's limit of 1024 bytes");
        assertThat(upstream.requests()).isEqualTo(before);
    }

    @Test
    void routesCanRaiseTheBodyLimit() {
        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(gateway.uri("/uploads/file"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(32 * 1024))).build());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("got 32768 bytes");
    }

    @Test
    void aChunkedBodyIsCountedWhileItStreams() {
        String chunk = "x".repeat(512);
        StringBuilder request = new StringBuilder("POST /data HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 4; i++) {
            request.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        request.append("0\r\n\r\n");
        RawHttp.Reply reply = RawHttp.exchange(gateway.port(), request.toString());
        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.text()).contains("urn:gatehouse:problem:body-too-large");
    }

    @Test
    void oversizedHeadersGet431() {
        RawHttp.Reply reply = RawHttp.exchange(gateway.port(),
                "GET /data HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "a".repeat(4096) + "\r\n\r\n");
        assertThat(reply.status()).isEqualTo(431);
        assertThat(reply.text()).contains("application/problem+json", "headers-too-large");
        assertThat(reply.closedByServer()).isTrue();
    }

    @Test
    void aRouteCanHaveAStricterHeaderLimit() {
        String header = "x".repeat(800);
        assertThat(gateway.get("/data", "X-Note", header).statusCode()).isEqualTo(200);
        var response = gateway.get("/strict/x", "X-Note", header);
        assertThat(response.statusCode()).isEqualTo(431);
        assertThat(response.body()).contains("this route accepts at most 512");
    }

    @Test
    void bothContentLengthAndTransferEncodingIsRefusedAndTheConnectionClosed() {
        int before = upstream.requests();
        RawHttp.Reply reply = RawHttp.exchange(gateway.port(), "POST /data HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n"
                + "GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.text()).contains("application/problem+json", "Content-Length and Transfer-Encoding");
        assertThat(reply.closedByServer()).isTrue();
        assertThat(upstream.requests()).as("nothing reached the upstream").isEqualTo(before);
    }

    @Test
    void anHttp11RequestNeedsExactlyOneHost() {
        for (String request : new String[]{"GET /no-host HTTP/1.1\r\n\r\n", "GET /two-hosts HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n"}) {
            RawHttp.Reply reply = RawHttp.exchange(gateway.port(), request);
            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.text()).contains("urn:gatehouse:problem:bad-host", "exactly one Host header");
            assertThat(reply.closedByServer()).isTrue();
        }
        assertThat(RawHttp.exchange(gateway.port(), "GET /data HTTP/1.0\r\n\r\n").status()).as("HTTP/1.0 has no Host rule").isEqualTo(200);
        assertThat(upstream.seen()).as("neither refused request reached the upstream")
                .noneMatch(seen -> seen.uri().equals("/no-host") || seen.uri().equals("/two-hosts"));
    }

    @Test
    void malformedFramingIsRefusedAndTheConnectionClosed() {
        RawHttp.Reply reply = RawHttp.exchange(gateway.port(), "POST /data HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.text()).contains("urn:gatehouse:problem:malformed-request");
        assertThat(reply.closedByServer()).isTrue();
    }

    @Test
    void aMalformedChunkSizeGets400BeforeTheConnectionCloses() throws IOException {
        String head = "POST /data HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
        int before = upstream.requests();
        RawHttp.Reply reply = RawHttp.exchange(gateway.port(), head + "zz\r\nabc\r\n0\r\n\r\n");
        assertThat(reply.text()).startsWith("HTTP/1.1 400 ").contains("connection: close", "application/problem+json",
                "urn:gatehouse:problem:malformed-request", "chunked request body could not be parsed");
        assertThat(reply.closedByServer()).isTrue();
        assertThat(upstream.requests()).as("a request refused whole never reaches the upstream").isEqualTo(before);

        // after a good chunk has gone upstream, which waits for the rest
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write((head + "3\r\nabc\r\n").getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(10)).until(() -> upstream.requests() == before + 1);
            socket.getOutputStream().write("-1\r\n".getBytes(StandardCharsets.US_ASCII));
            String refused = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(refused).startsWith("HTTP/1.1 400 ").contains("urn:gatehouse:problem:malformed-request");
        }
        assertThat(gateway.get("/data").body()).as("the node serves on").isEqualTo("got 0 bytes");
    }

    @Test
    void aMalformedChunkAfterTheAnswerWasSentOnlyClosesTheConnection() throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
            socket.setSoTimeout(10_000);
            // the upstream answers /early at once, without reading the body
            socket.getOutputStream().write(("POST /early HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(RawHttp.readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200").endsWith("early");
            socket.getOutputStream().write("zz\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(socket.getInputStream().readAllBytes()).as("nothing after the answer already sent").isEmpty();
        }
        for (int i = 0; i < 4; i++) {
            // a connection each, so every event loop is asked
            RawHttp.Reply next = RawHttp.exchange(gateway.port(), "GET /data HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertThat(next.text()).as("the node serves on").startsWith("HTTP/1.1 200").endsWith("got 0 bytes");
        }
    }

    @Test
    void aHeadTrickledPastTheHeaderTimeoutGets408AndAnIdleKeepAliveConnectionDoesNot() throws IOException {
        double before = AdminAndStorageTest.metric(gateway.admin("/metrics").body(), "gatehouse_gateway_header_timeouts_total");
        try (Socket idle = new Socket(InetAddress.getLoopbackAddress(), gateway.port());
             Socket slow = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
            idle.setSoTimeout(10_000);
            slow.setSoTimeout(10_000);
            idle.getOutputStream().write("GET /a HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(RawHttp.readResponse(idle.getInputStream())).startsWith("HTTP/1.1 200");

            // after the idle connection's request: a timer armed by it would fire first
            slow.getOutputStream().write("GET /b HTTP/1.1\r\nhost: x\r\nx-one: 1\r\n".getBytes(StandardCharsets.US_ASCII));
            String refused = new String(slow.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(refused).startsWith("HTTP/1.1 408 Request Timeout").contains("connection: close",
                    "urn:gatehouse:problem:request-header-timeout", "did not arrive whole within 500 ms");

            idle.getOutputStream().write("GET /c HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(RawHttp.readResponse(idle.getInputStream())).as("a kept-alive connection waits for its idle timeout, not this one")
                    .startsWith("HTTP/1.1 200");
        }
        assertThat(AdminAndStorageTest.metric(gateway.admin("/metrics").body(), "gatehouse_gateway_header_timeouts_total"))
                .isEqualTo(before + 1);
    }
}
