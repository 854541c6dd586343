package dev.gatehouse.server;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.server.config.ConfigLoader;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Traces of requests through a real node: the server span continues the caller's trace, each upstream attempt is a
 * child span (a retried request has two), the rate-limit decision is one too, upstreams get a {@code traceparent}
 * naming their attempt, the access log carries the trace id, and a caller's sampling decision is followed.
 */
class TracingTest {

    static TestBed bed;
    static InMemorySpanExporter spans = InMemorySpanExporter.create();
    static GatewayNode node;
    static final AtomicBoolean firstRefused = new AtomicBoolean();
    static final Map<String, String> traceparentSeen = new ConcurrentHashMap<>();
    static HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        bed = new TestBed();
        TestUpstream a = bed.upstream("a");
        TestUpstream b = bed.upstream("b");
        for (TestUpstream upstream : List.of(a, b)) {
            upstream.handler(request -> {
                traceparentSeen.put(request.path(), String.valueOf(request.getHeader("traceparent")));
                // whichever target is asked first refuses once, so the request is retried on the other
                if (request.path().startsWith("/retried") && firstRefused.compareAndSet(false, true)) {
                    request.response().setStatusCode(503).end("busy");
                } else {
                    request.response().end("ok");
                }
            });
        }
        ConfigLoader loader = new ConfigLoader(name -> null);
        String yaml = """
                gateway: {host: 127.0.0.1, port: 0, instances: 1}
                admin: {port: 0}
                storage: {postgres: {url: "%s", poolSize: 2}}
                logs: {enabled: false}
                observability:
                  tracing: {endpoint: "http://127.0.0.1:9/v1/traces", sampleRatio: 0}   # only callers' sampled traces
                upstreams: {svc: {targets: [{url: "%s"}, {url: "%s"}]}}
                routes:
                  - {name: svc, match: {prefix: /}, upstream: svc, retries: 1, rateLimit: {mode: local, limits: [1000/s]}}
                """.formatted(bed.database.jdbcUrl(), a.url(), b.url());
        node = GatewayNode.start(loader.parse(yaml, "test.yaml"),
                new GatewayNode.Options(null, loader, Duration.ofSeconds(1), Clock.system()).tracedInto(spans));
    }

    @AfterAll
    static void stop() {
        node.close();
        bed.close();
    }

    private static HttpResponse<String> get(String path, String traceparent) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + path));
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRetriedRequestIsOneServerSpanWithARateLimitSpanAndASpanPerUpstreamAttempt() throws Exception {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String callerSpan = "00f067aa0ba902b7";
        HttpResponse<String> response = get("/retried", "00-" + traceId + "-" + callerSpan + "-01");
        assertThat(response.statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> ofTrace(traceId).size() >= 4);
        List<SpanData> trace = ofTrace(traceId);
        SpanData server = trace.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        assertThat(server.getParentSpanId()).as("the caller's span is the server span's parent").isEqualTo(callerSpan);
        assertThat(server.getName()).isEqualTo("GET svc");
        assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200);
        assertThat(server.getAttributes().get(AttributeKey.longKey("gatehouse.upstream.attempts"))).isEqualTo(2);

        List<SpanData> attempts = trace.stream().filter(s -> s.getKind() == SpanKind.CLIENT)
                .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos)).toList();
        assertThat(attempts).hasSize(2).allSatisfy(a -> {
            assertThat(a.getName()).isEqualTo("upstream svc");
            assertThat(a.getParentSpanId()).isEqualTo(server.getSpanId());
        });
        assertThat(attempts.get(0).getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(503);
        assertThat(attempts.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(attempts.get(1).getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200);
        assertThat(attempts.get(1).getAttributes().get(AttributeKey.longKey("gatehouse.attempt"))).isEqualTo(2);

        SpanData decision = trace.stream().filter(s -> s.getName().equals("rate limit local")).findFirst().orElseThrow();
        assertThat(decision.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(decision.getAttributes().get(AttributeKey.booleanKey("gatehouse.rate_limit.allowed"))).isTrue();

        // the upstream that answered was told its parent is the attempt that reached it
        assertThat(traceparentSeen.get("/retried")).isEqualTo("00-" + traceId + "-" + attempts.get(1).getSpanId() + "-01");
    }

    @Test
    void aCallersDecisionIsFollowedAndWithoutOneTheRatioDecides() throws Exception {
        String unsampled = "0af7651916cd43dd8448eb211c80319c";
        assertThat(get("/unsampled", "00-" + unsampled + "-b7ad6b7169203331-00").statusCode()).isEqualTo(200);
        assertThat(get("/untraced", null).statusCode()).isEqualTo(200);
        String sampled = "11111111111111111111111111111111";
        assertThat(get("/sampled", "00-" + sampled + "-2222222222222222-01").statusCode()).isEqualTo(200);
        // spans are exported in order of ending: once the sampled request's are out, the others' would be too
        await().atMost(Duration.ofSeconds(10)).until(() -> !ofTrace(sampled).isEmpty());
        assertThat(ofTrace(unsampled)).as("a caller that did not sample").isEmpty();
        assertThat(spans.getFinishedSpanItems()).as("a request without a caller's decision, at ratio 0")
                .noneMatch(s -> "/untraced".equals(s.getAttributes().get(AttributeKey.stringKey("url.path"))));
        // an unsampled request still passes its context on, so the upstream can tell
        assertThat(traceparentSeen.get("/unsampled")).startsWith("00-" + unsampled + "-").endsWith("-00");
    }

    private static List<SpanData> ofTrace(String traceId) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }
}
