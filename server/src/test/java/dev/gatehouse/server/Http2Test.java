package dev.gatehouse.server;

import dev.gatehouse.core.time.Ticker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HTTP/2 from clients on a plain listener with h2c (prior knowledge): a multiplexed connection outlives the
 * answers that would close an HTTP/1.1 one, answers carry no connection-specific fields, a load tool's thousands
 * of streams all pass, and a client that opens and resets streams in a loop is cut off.
 */
class Http2Test {

    static TestBed bed;
    static TestUpstream upstream;
    static GatewayHarness gateway;
    static Vertx clients;
    static HttpClient h2c;
    static final AtomicInteger clientConnectionsClosed = new AtomicInteger();

    @BeforeAll
    static void start() {
        bed = new TestBed();
        upstream = bed.upstream("svc");
        gateway = GatewayHarness.start(bed.database, """
                  http2: {h2c: true, maxConcurrentStreams: 50, maxResetsPerWindow: 20, resetWindow: 30s}
                """, """
                upstreams: {svc: {targets: [{url: "%s"}]}}
                routes:
                  - {name: open, match: {prefix: /open}, upstream: svc}
                """.formatted(upstream.url()), Ticker.system());
        clients = Vertx.vertx();
        h2c = clients.httpClientBuilder()
                .with(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
                        .setDefaultHost("127.0.0.1").setDefaultPort(gateway.port()))
                .withConnectHandler(connection -> connection.closeHandler(v -> clientConnectionsClosed.incrementAndGet()))
                .build();
    }

    @AfterAll
    static void stop() {
        clients.close();
        gateway.close();
        bed.close();
    }

    private static <T> T join(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static HttpClientResponse get(String uri) throws Exception {
        return join(h2c.request(new RequestOptions().setMethod(HttpMethod.GET).setURI(uri))
                .compose(request -> request.send().compose(response -> response.body().map(body -> response))));
    }

    @Test
    void aClientWithPriorKnowledgeSpeaksHttp2AndTheUpstreamSeesItsHost() throws Exception {
        HttpClientResponse response = get("/open/x");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.version()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(upstream.last().headers().get("Host")).isEqualTo("127.0.0.1:" + gateway.port());
        assertThat(upstream.last().headers().get("X-Forwarded-Proto")).isEqualTo("http");
    }

    @Test
    void anAnswerThatWouldCloseAnHttp1ConnectionLeavesTheStreamsConnectionOpenAndCarriesNoConnectionField() throws Exception {
        HttpClientResponse ok = get("/open/before");
        HttpConnection connection = ok.request().connection();
        HttpClientResponse refused = get("/open/%2e%2e/%2e%2e/etc");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.headers().contains("connection")).isFalse();
        HttpClientResponse after = get("/open/after");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.request().connection()).as("the same connection still carries streams").isSameAs(connection);
    }

    @Test
    void h2loadsStreamsAllPass() throws Exception {
        Path h2load = Path.of("/usr/bin/h2load"); // where Debian puts it
        // .ci/run installs nghttp2-client; elsewhere the test needs it too, but only CI insists
        Assumptions.assumeTrue(Files.isExecutable(h2load) || System.getenv("CI") != null, "h2load (Debian's nghttp2-client) is not installed");
        Process run = new ProcessBuilder(h2load.toString(), "-n", "2000", "-c", "4", "-m", "10",
                "http://127.0.0.1:" + gateway.port() + "/open/load").redirectErrorStream(true).start();
        String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        System.out.println(output);
        assertThat(output).contains("requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored")
                .contains("status codes: 2000 2xx");
        assertThat(output).as("it spoke HTTP/2 (h2c)").contains("Application protocol: h2c");
    }

    @Test
    void aClientThatOpensAndResetsStreamsInALoopIsCutOff() throws Exception {
        HttpClient flooder = clients.httpClientBuilder()
                .with(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
                        .setDefaultHost("127.0.0.1").setDefaultPort(gateway.port()))
                .build();
        AtomicInteger closed = new AtomicInteger();
        HttpConnection connection = join(flooder.request(new RequestOptions().setURI("/open/first"))
                .compose(request -> request.send().map(response -> request.connection())));
        connection.closeHandler(v -> closed.incrementAndGet());
        for (int i = 0; i < 200 && closed.get() == 0; i++) {
            // a request's head, then its cancellation at once: work started and dropped for nothing
            flooder.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/open/flood"))
                    .compose(request -> request.sendHead().compose(v -> request.reset()));
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(closed.get()).isEqualTo(1));
        // well-behaved clients are untouched, and the streams the flooder reset count against nobody but it
        assertThat(get("/open/after-flood").statusCode()).isEqualTo(200);
        assertThat(AdminAndStorageTest.metric(gateway.admin("/metrics").body(),
                "gatehouse_upstream_responses_total{outcome=\"failure\",pool=\"svc\",target=\"" + upstream.address() + "\"}"))
                .as("a client resetting its streams is not the target's failure").isZero();
        flooder.close();
    }
}
