package dev.gatehouse.server;

import dev.gatehouse.core.time.ManualTicker;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class BalancingAndHealthTest {

    static TestBed bed;
    List<TestUpstream> upstreams;
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

    private List<TestUpstream> upstreams(int n) {
        for (int i = 0; i < n; i++) {
            bed.upstream("u" + i);
        }
        upstreams = bed.upstreams();
        return upstreams;
    }

    private String targets() {
        return upstreams.stream().map(u -> "{url: \"" + u.url() + "\"}").collect(Collectors.joining(", ", "[", "]"));
    }

    private Map<String, Long> spread(int requests) {
        return IntStream.range(0, requests)
                .mapToObj(i -> new JsonObject(gateway.get("/api/x").body()).getString("upstream"))
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    private JsonObject target(TestUpstream upstream) {
        JsonObject pool = new JsonObject(gateway.admin("/upstreams").body()).getJsonObject("api");
        return pool.getJsonArray("targets").stream().map(JsonObject.class::cast)
                .filter(t -> t.getString("target").equals(upstream.address())).findFirst().orElseThrow();
    }

    @Test
    void roundRobinSpreadsRequestsExactlyEvenly() {
        upstreams(3);
        gateway = GatewayHarness.start(bed.database, """
                upstreams:
                  api: {balancer: round-robin, targets: %s}
                routes:
                  - {name: api, match: {prefix: /api}, upstream: api}
                """.formatted(targets()));
        assertThat(spread(300)).containsOnly(Map.entry("u0", 100L), Map.entry("u1", 100L), Map.entry("u2", 100L));
    }

    @Test
    void leastConnectionsSendsNewRequestsAwayFromABusyTarget() {
        upstreams(3);
        List<HttpServerRequest> held = new CopyOnWriteArrayList<>();
        TestUpstream busy = upstreams.get(0);
        busy.handler(held::add);
        gateway = GatewayHarness.start(bed.database, """
                upstreams:
                  api: {balancer: least-connections, targets: %s}
                routes:
                  - {name: api, match: {prefix: /api}, upstream: api, requestTimeout: 1m}
                """.formatted(targets()));
        // keep sending until the busy target holds one request
        List<CompletableFuture<?>> pending = new CopyOnWriteArrayList<>();
        await().until(() -> {
            pending.add(CompletableFuture.runAsync(() -> gateway.get("/api/hold")));
            await().atMost(Duration.ofSeconds(2)).until(() -> busy.requests() > 0 || pending.stream().allMatch(CompletableFuture::isDone));
            return busy.requests() > 0;
        });
        assertThat(spread(40)).doesNotContainKey("u0").containsKeys("u1", "u2");
        held.forEach(r -> r.response().end("{\"upstream\":\"u0\"}"));
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
    }

    @Test
    void activeHealthChecksTakeAFailingTargetOutAndBringItBack() {
        upstreams(3);
        gateway = GatewayHarness.start(bed.database, """
                upstreams:
                  api:
                    targets: %s
                    healthCheck: {path: /health, interval: 50ms, timeout: 1s, unhealthyThreshold: 2, healthyThreshold: 2}
                routes:
                  - {name: api, match: {prefix: /api}, upstream: api}
                """.formatted(targets()));
        TestUpstream sick = upstreams.get(1);
        sick.healthy(false);
        await().untilAsserted(() -> assertThat(target(sick).getBoolean("healthy")).isFalse());
        assertThat(spread(60)).doesNotContainKey("u1");
        assertThat(gateway.admin("/metrics").body())
                .contains("gatehouse_upstream_healthy{pool=\"api\",target=\"" + sick.address() + "\"} 0.0");

        sick.healthy(true);
        await().untilAsserted(() -> assertThat(target(sick).getBoolean("usable")).isTrue());
        assertThat(spread(60)).containsKey("u1");
    }

    @Test
    void aTargetThatKeepsFailingRealTrafficIsEjectedForAWhile() {
        upstreams(2);
        TestUpstream broken = upstreams.get(0);
        broken.handler(request -> request.response().setStatusCode(500).end("boom"));
        ManualTicker ticker = new ManualTicker();
        gateway = GatewayHarness.start(bed.database, "", """
                upstreams:
                  api:
                    balancer: round-robin
                    targets: %s
                    passive: {consecutiveFailures: 3, ejectFor: 30s}
                    breaker: {enabled: false}
                routes:
                  - {name: api, match: {prefix: /api}, upstream: api, retries: 0}
                """.formatted(targets()), ticker);
        await().until(() -> {
            gateway.get("/api/x");
            return target(broken).getBoolean("ejected");
        });
        int before = broken.requests();
        assertThat(spread(20)).containsOnly(Map.entry("u1", 20L));
        assertThat(broken.requests()).isEqualTo(before);

        broken.handler(request -> request.response().end("{\"upstream\":\"u0\"}"));
        ticker.advance(Duration.ofSeconds(30));
        assertThat(spread(20)).containsEntry("u0", 10L);
    }

    @Test
    void aPoolWithNoHealthyTargetAnswers503() {
        upstreams(1);
        upstreams.get(0).healthy(false);
        gateway = GatewayHarness.start(bed.database, """
                upstreams:
                  api:
                    targets: %s
                    healthCheck: {path: /health, interval: 50ms, unhealthyThreshold: 1}
                routes:
                  - {name: api, match: {prefix: /api}, upstream: api}
                """.formatted(targets()));
        await().untilAsserted(() -> assertThat(gateway.get("/api/x").statusCode()).isEqualTo(503));
        var response = gateway.get("/api/x");
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("urn:gatehouse:problem:no-healthy-target", "no target of upstream 'api' is healthy");
    }
}
