package dev.gatehouse.server;

import dev.gatehouse.core.time.ManualTicker;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class BreakerAndRetryTest {

    static TestBed bed;
    final ManualTicker ticker = new ManualTicker();
    GatewayHarness gateway;

    @BeforeAll
    static void startServers() {
        bed = new TestBed();
    }

    @AfterAll
    static void stopServers() {
        bed.close();
    }

    @AfterEach
    void stopGateway() {
        if (gateway != null) {
            gateway.close();
        }
        bed.closeUpstreams();
    }

    private TestUpstream upstream(String name) {
        return bed.upstream(name);
    }

    private void gateway(String retries, TestUpstream... targets) {
        StringBuilder list = new StringBuilder();
        for (TestUpstream t : targets) {
            list.append(list.length() == 0 ? "" : ", ").append("{url: \"").append(t.url()).append("\"}");
        }
        gateway = GatewayHarness.start(bed.database, "", """
                upstreams:
                  api:
                    balancer: round-robin
                    targets: [%s]
                    passive: {consecutiveFailures: 0}
                    breaker: {failureRateThreshold: 50, minimumCalls: 4, window: 4, openWait: 30s, halfOpenCalls: 1}
                routes:
                  - {name: api, match: {prefix: /api}, upstream: api, retries: %s}
                """.formatted(list, retries), ticker);
    }

    private String breaker(TestUpstream upstream) {
        JsonObject pool = new JsonObject(gateway.admin("/upstreams").body()).getJsonObject("api");
        return pool.getJsonArray("targets").stream().map(JsonObject.class::cast)
                .filter(t -> t.getString("target").equals(upstream.address())).findFirst().orElseThrow().getString("breaker");
    }

    @Test
    void shouldOpenTheBreakerOfAFailingTargetThenProbeAndCloseItWhenItRecovers() {
        TestUpstream failing = upstream("failing");
        TestUpstream fine = upstream("fine");
        failing.handler(request -> request.response().setStatusCode(500).end());
        gateway("0", failing, fine);

        for (int i = 0; i < 8; i++) {
            gateway.get("/api/x");
        }
        assertThat(failing.requests()).isEqualTo(4);
        assertThat(breaker(failing)).isEqualTo("OPEN");
        assertThat(gateway.admin("/metrics").body())
                .contains("gatehouse_upstream_breaker_open{pool=\"api\",target=\"" + failing.address() + "\"} 1.0");

        for (int i = 0; i < 10; i++) {
            assertThat(gateway.get("/api/x").statusCode()).as("the open target is skipped").isEqualTo(200);
        }
        assertThat(failing.requests()).isEqualTo(4);

        failing.handler(request -> request.response().end("{\"upstream\":\"failing\"}"));
        ticker.advance(Duration.ofSeconds(30).plusMillis(1));
        for (int i = 0; i < 4; i++) {
            gateway.get("/api/x");
        }
        assertThat(failing.requests()).as("a trial call reached it").isGreaterThan(4);
        assertThat(breaker(failing)).isEqualTo("CLOSED");
    }

    @Test
    void whenEveryBreakerIsOpenTheAnswerIs503WithRetryAfter() {
        TestUpstream failing = upstream("failing");
        failing.handler(request -> request.response().setStatusCode(500).end());
        gateway("0", failing);
        for (int i = 0; i < 4; i++) {
            assertThat(gateway.get("/api/x").statusCode()).isEqualTo(500);
        }
        ticker.advance(Duration.ofSeconds(10));
        HttpResponse<String> response = gateway.get("/api/x");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("retry-after")).hasValue("20");
        assertThat(response.body()).contains("urn:gatehouse:problem:circuit-open");
    }

    @Test
    void aFailedTrialCallReopensTheBreakerForAWholeWait() {
        TestUpstream failing = upstream("failing");
        failing.handler(request -> request.response().setStatusCode(500).end());
        gateway("0", failing);
        for (int i = 0; i < 4; i++) {
            gateway.get("/api/x");
        }
        ticker.advance(Duration.ofSeconds(30).plusMillis(1));
        assertThat(gateway.get("/api/x").statusCode()).as("the trial call reaches the target and fails").isEqualTo(500);
        assertThat(failing.requests()).isEqualTo(5);
        assertThat(breaker(failing)).isEqualTo("OPEN");

        ticker.advance(Duration.ofSeconds(10));
        HttpResponse<String> response = gateway.get("/api/x");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("retry-after")).as("the wait starts again at the failed trial").hasValue("20");
        assertThat(failing.requests()).isEqualTo(5);
    }

    @Test
    void aRefusedConnectionIsRetriedOnAnotherTargetForAnyMethod() {
        TestUpstream down = upstream("down");
        TestUpstream up = upstream("up");
        down.stop();
        gateway("2", down, up);
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(gateway.uri("/api/orders"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + i + "}")).build());
            assertThat(response.statusCode()).isEqualTo(200);
        }
        assertThat(up.requests()).isEqualTo(10);
        assertThat(gateway.accessLogLines()).anySatisfy(line -> assertThat(line).contains("\"attempts\":2"));
        down.restart();
    }

    @Test
    void aRequestWithABodyThatReachedATargetIsNotRetried() {
        TestUpstream dropsConnections = upstream("drops");
        TestUpstream other = upstream("other");
        dropsConnections.handler(request -> request.connection().close());
        other.handler(request -> request.connection().close());
        gateway("2", dropsConnections, other);

        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(gateway.uri("/api/payments"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"amount\": 10}")).build());
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("urn:gatehouse:problem:upstream-unreachable");
        assertThat(dropsConnections.requests() + other.requests()).as("sent exactly once").isEqualTo(1);
    }

    @Test
    void anIdempotentRequestIsRetriedWhenATargetAnswers503() {
        TestUpstream overloaded = upstream("overloaded");
        TestUpstream fine = upstream("fine");
        overloaded.handler(request -> request.response().setStatusCode(503).end());
        gateway("1", overloaded, fine);
        for (int i = 0; i < 6; i++) {
            assertThat(gateway.get("/api/x").statusCode()).isEqualTo(200);
        }
        assertThat(fine.requests()).isEqualTo(6);
    }

    @Test
    void withoutRetriesAnUpstreamErrorIsPassedThrough() {
        TestUpstream overloaded = upstream("overloaded");
        overloaded.handler(request -> request.response().setStatusCode(503).putHeader("x-from", "upstream").end("busy"));
        gateway("0", overloaded);
        HttpResponse<String> response = gateway.get("/api/x");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("busy");
        assertThat(response.headers().firstValue("x-from")).hasValue("upstream");
    }
}
