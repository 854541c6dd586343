package dev.gatehouse.server;

import dev.gatehouse.core.time.Ticker;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Congestion is the gateway's own: waiting for one of its connections to a target, a client that reads
 * nothing, a client that hangs up. Each is shed or aborted on its own metric and never counted against the
 * target's health or breaker, and none of them keeps an upstream connection or its transfer going.
 */
class UpstreamCongestionTest {

    private TestBed bed;
    private TestUpstream upstream;
    private GatewayHarness gateway;
    private final List<HttpServerRequest> held = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        bed = new TestBed();
        upstream = bed.upstream("svc");
    }

    @AfterEach
    void stop() {
        held.stream().filter(r -> !r.response().ended()).forEach(r -> r.response().end("late"));
        if (gateway != null) {
            gateway.close();
        }
        bed.close();
    }

    private void startGateway(String gatewaySettings, String upstreamSettings, String routeSettings) {
        gateway = GatewayHarness.start(bed.database, gatewaySettings, """
                upstreams:
                  svc:
                    targets: [{url: "%s"}]
                    passive: {consecutiveFailures: 2, ejectFor: 1h}
                    breaker: {minimumCalls: 2, window: 4, openWait: 1h}
                %s
                routes:
                  - {name: all, match: {prefix: /}, upstream: svc%s}
                """.formatted(upstream.url(), upstreamSettings, routeSettings), Ticker.system());
    }

    private double metric(String series) {
        return AdminAndStorageTest.metric(gateway.admin("/metrics").body(), series);
    }

    /** Requests under {@code prefix} are held (answered only when a test says so); the others get {@code ok}. */
    private void holdAt(TestUpstream which, String prefix) {
        which.handler(request -> {
            if (request.path().startsWith(prefix)) {
                held.add(request);
            } else {
                request.response().end("ok");
            }
        });
    }

    private List<CompletableFuture<HttpResponse<String>>> sendConcurrently(String path, int count) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            answers.add(client.sendAsync(HttpRequest.newBuilder(gateway.uri(path)).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        return answers;
    }

    private static String target(String series, TestUpstream upstream) {
        return series + "{pool=\"svc\",target=\"" + upstream.address() + "\"}";
    }

    @Test
    void requestsWaitingTooLongForABusyConnectionAreShedWithoutBlamingTheTarget() {
        holdAt(upstream, "/hold");
        startGateway("  instances: 1\n", "    maxConnectionsPerTarget: 1\n    connectTimeout: 300ms", "");
        List<CompletableFuture<HttpResponse<String>>> answers = sendConcurrently("/hold", 10);
        // one connection to the target: the others wait for it, then are shed as congestion
        await().atMost(Duration.ofSeconds(10)).until(() -> answers.stream().filter(CompletableFuture::isDone).count() == 9);
        List<HttpResponse<String>> shed = answers.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join).toList();
        assertThat(shed).allSatisfy(r -> {
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("urn:gatehouse:problem:upstream-congested").contains("maxConnectionsPerTarget");
            assertThat(r.headers().firstValue("retry-after")).contains("1");
        });
        assertThat(held).hasSize(1);
        assertThat(metric("gatehouse_upstream_congested_total{reason=\"queue-timeout\"}")).isEqualTo(shed.size());

        held.forEach(r -> r.response().end("done"));
        held.clear();
        await().atMost(Duration.ofSeconds(10)).until(() -> answers.stream().allMatch(CompletableFuture::isDone));
        assertThat(metric(target("gatehouse_upstream_healthy", upstream))).as("the target stays in").isEqualTo(1);
        assertThat(metric(target("gatehouse_upstream_breaker_open", upstream))).isZero();
        assertThat(metric("gatehouse_upstream_responses_total{outcome=\"failure\",pool=\"svc\",target=\"" + upstream.address() + "\"}"))
                .isZero();
        assertThat(gateway.get("/next").statusCode()).isEqualTo(200);
    }

    @Test
    void aWaitingRequestGetsTheFirstConnectionThatFreesUp() {
        holdAt(upstream, "/hold");
        startGateway("  instances: 1\n", "    maxConnectionsPerTarget: 1\n    connectTimeout: 10s", "");
        List<CompletableFuture<HttpResponse<String>>> answers = sendConcurrently("/hold", 6);
        await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == 1 && metric("gatehouse_upstream_waiting") == 5);
        // answering the one in progress lets the next through, one at a time
        for (int answered = 1; answered <= 6; answered++) {
            int n = answered;
            await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == n);
            assertThat(held.stream().filter(r -> !r.response().ended())).as("one at a time").hasSize(1);
            held.get(n - 1).response().end("done");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> answers.stream().allMatch(CompletableFuture::isDone));
        assertThat(answers).allSatisfy(a -> assertThat(a.join().statusCode()).isEqualTo(200));
        assertThat(upstream.requests()).isEqualTo(6);
        assertThat(metric("gatehouse_upstream_waiting")).isZero();
    }

    @Test
    void eachUpstreamHasItsOwnConnectionLimitAndAReloadChangesIt() {
        TestUpstream other = bed.upstream("other");
        holdAt(upstream, "/hold");
        holdAt(other, "/hold");
        String config = """
                upstreams:
                  svc: {targets: [{url: "%s"}], maxConnectionsPerTarget: 1, connectTimeout: 10s}
                  other: {targets: [{url: "%s"}], maxConnectionsPerTarget: %d, connectTimeout: 10s}
                routes:
                  - {name: svc, match: {prefix: /hold/svc}, upstream: svc}
                  - {name: other, match: {prefix: /hold/other}, upstream: other}
                """;
        gateway = GatewayHarness.start(bed.database, "  instances: 1\n", config.formatted(upstream.url(), other.url(), 3), Ticker.system());
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            answers.add(client.sendAsync(HttpRequest.newBuilder(gateway.uri("/hold/svc")).build(), HttpResponse.BodyHandlers.ofString()));
            answers.add(client.sendAsync(HttpRequest.newBuilder(gateway.uri("/hold/other")).build(), HttpResponse.BodyHandlers.ofString()));
        }
        // at most 1 to svc and 3 to other at once; the rest wait
        await().atMost(Duration.ofSeconds(10)).until(() -> countHeld(upstream) == 1 && countHeld(other) == 3
                && metric("gatehouse_upstream_waiting") == 12);

        gateway.rewrite(config.formatted(upstream.url(), other.url(), 4));
        // the waiting requests of `other` take the new slots once the reload is in
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            answers.add(client.sendAsync(HttpRequest.newBuilder(gateway.uri("/hold/other")).build(), HttpResponse.BodyHandlers.ofString()));
            return countHeld(other) >= 4;
        });
        assertThat(countHeld(other)).isEqualTo(4);
        assertThat(countHeld(upstream)).isEqualTo(1);
    }

    private long countHeld(TestUpstream which) {
        String prefix = "/hold/" + (which == upstream ? "svc" : "other");
        return held.stream().filter(r -> r.path().startsWith(prefix) && !r.response().ended()).count();
    }

    /** The upstream streams {@code total} bytes at {@code path} (counting what it wrote) and answers {@code ok} elsewhere. */
    private void streamAt(String path, long total, AtomicLong written, AtomicBoolean cutOff) {
        upstream.handler(request -> {
            if (request.path().equals(path)) {
                stream(request, total, written, cutOff);
            } else {
                request.response().end("ok");
            }
        });
    }

    /** An upstream answer of {@code total} bytes written as fast as its client takes them; counts what it wrote. */
    private static void stream(HttpServerRequest request, long total, AtomicLong written, AtomicBoolean cutOff) {
        HttpServerResponse response = request.response();
        response.putHeader("content-length", Long.toString(total));
        response.closeHandler(v -> cutOff.set(true));
        Buffer chunk = Buffer.buffer(new byte[64 * 1024]);
        Runnable[] pump = new Runnable[1];
        pump[0] = () -> {
            while (!response.writeQueueFull() && written.get() < total && !cutOff.get()) {
                long left = total - written.get();
                Buffer next = left >= chunk.length() ? chunk : chunk.getBuffer(0, (int) left);
                written.addAndGet(next.length());
                if (written.get() >= total) {
                    response.end(next);
                    return;
                }
                response.write(next);
            }
            if (!cutOff.get() && written.get() < total) {
                response.drainHandler(v -> pump[0].run());
            }
        };
        pump[0].run();
    }

    @Test
    void aClientThatHangsUpMidDownloadStopsTheUpstreamTransfer() throws IOException {
        long total = 4L * 1024 * 1024 * 1024;
        AtomicLong written = new AtomicLong();
        AtomicBoolean cutOff = new AtomicBoolean();
        streamAt("/big", total, written, cutOff);
        startGateway("", "    maxConnectionsPerTarget: 1", "");
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
            client.getOutputStream().write("GET /big HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(client.getInputStream().readNBytes(64 * 1024)).hasSize(64 * 1024);
        }
        await().atMost(Duration.ofSeconds(10)).untilTrue(cutOff);
        assertThat(written.get()).as("the upstream stopped long before its 4 GiB").isLessThan(total / 4);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(metric("gatehouse_gateway_client_aborts_total")).isEqualTo(1));
        assertThat(gateway.get("/next").statusCode()).as("the connection slot is free again").isEqualTo(200);
        assertThat(metric(target("gatehouse_upstream_healthy", upstream))).isEqualTo(1);
    }

    @Test
    void aClientThatReadsNothingIsCutOffAfterTheSendTimeoutAndTheUpstreamWithIt() throws IOException {
        long total = 1L << 30;
        AtomicLong written = new AtomicLong();
        AtomicBoolean cutOff = new AtomicBoolean();
        streamAt("/big", total, written, cutOff);
        startGateway("  sendTimeout: 500ms\n", "    maxConnectionsPerTarget: 1", "");
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(4096);
            client.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), gateway.port()));
            client.setSoTimeout(20_000);
            client.getOutputStream().write("GET /big HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            // read nothing: the gateway fills what the sockets hold, pauses the upstream, and gives up after 500 ms
            await().atMost(Duration.ofSeconds(15)).untilTrue(cutOff);
            assertThat(metric("gatehouse_gateway_send_timeouts_total")).isEqualTo(1);
            assertThat(written.get()).as("the upstream was paused, not drained").isLessThan(total / 8);
            assertThat(drain(client.getInputStream())).as("the client's connection is closed").isLessThan(total);
        }
        assertThat(gateway.get("/next").statusCode()).as("the connection slot is free again").isEqualTo(200);
        assertThat(metric(target("gatehouse_upstream_healthy", upstream))).isEqualTo(1);
    }

    @Test
    void aCachedRouteStreamsALargeAnswerInsteadOfGatheringItBeforeTheClientSeesAByte() throws IOException {
        AtomicBoolean finish = new AtomicBoolean();
        int size = 512 * 1024;
        upstream.handler(request -> {
            HttpServerResponse response = request.response();
            response.putHeader("content-length", Integer.toString(size)).putHeader("cache-control", "max-age=60");
            response.write(Buffer.buffer(new byte[size / 2]));
            bed.vertx.setPeriodic(10, id -> {
                if (finish.get()) {
                    bed.vertx.cancelTimer(id);
                    response.end(Buffer.buffer(new byte[size / 2]));
                }
            });
        });
        startGateway("", "", ", cache: {ttl: 1m, maxEntryBytes: 1MiB}");
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write("GET /file HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = client.getInputStream();
            byte[] first = in.readNBytes(12);
            assertThat(new String(first, StandardCharsets.US_ASCII)).as("the head and the first half come before the rest exists")
                    .isEqualTo("HTTP/1.1 200");
            finish.set(true);
            String rest = RawHttp.readResponse(new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(first), in));
            assertThat(rest.length() - rest.indexOf("\r\n\r\n") - 4).isEqualTo(size);
        }
        HttpResponse<String> again = gateway.get("/file");
        assertThat(again.headers().firstValue("x-cache")).contains("HIT-L1");
        assertThat(again.body()).hasSize(size);
    }

    private static long drain(InputStream in) throws IOException {
        long n = 0;
        byte[] buffer = new byte[1 << 16];
        try {
            int r;
            while ((r = in.read(buffer)) >= 0) {
                n += r;
            }
        } catch (SocketException reset) {
            // closed by the gateway with bytes unread
        }
        return n;
    }

    @Test
    void aClientVanishingMidUploadAfterAnEarlyAnswerLeavesNoHalfSentRequestInThePool() throws IOException {
        upstream.handler(request -> {
            if (request.path().equals("/early")) {
                request.response().setStatusCode(403).end("no"); // answers without reading the upload
            } else {
                request.response().end("ok");
            }
        });
        startGateway("  instances: 1\n", "    maxConnectionsPerTarget: 1", "");
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("POST /early HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(client.getInputStream().readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 403");
            client.setSoLinger(true, 0);
        }
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> next = gateway.send(HttpRequest.newBuilder(gateway.uri("/next")).timeout(Duration.ofSeconds(5)).build());
            assertThat(next.statusCode()).as("request %d after the vanished upload", i + 1).isEqualTo(200);
        }
    }
}
