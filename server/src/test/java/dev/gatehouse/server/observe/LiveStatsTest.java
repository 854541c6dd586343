package dev.gatehouse.server.observe;

import dev.gatehouse.core.time.ManualTicker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node's live figures, read off its meters second by second: rates from the differences between readings over
 * the time the clock says passed, percentiles from the latency histogram, and the fifteen minutes kept.
 */
class LiveStatsTest {
    final ManualTicker clock = new ManualTicker();
    final GatewayMetrics metrics = new GatewayMetrics();
    final MeterRegistry meters = metrics.registry();
    final Vertx vertx = Vertx.vertx();
    final LiveStats stats = new LiveStats(vertx, meters, "node-1", clock);

    @AfterEach
    void close() {
        stats.close();
        vertx.close();
        metrics.close();
    }

    @Test
    void aSampleHasTheSecondsRequestsErrorsLimitsCacheHitsAndLatencyOverallAndPerRoute() {
        GatewayMetrics.RequestTimers orders = metrics.requestTimers("orders");
        GatewayMetrics.RequestTimers catalog = metrics.requestTimers("catalog");
        Counter rejected = Counter.builder("gatehouse.ratelimit.decisions").tag("route", "orders").tag("outcome", "rejected").register(meters);
        Counter hits = Counter.builder("gatehouse.cache.responses").tag("result", "hit-l1").register(meters);
        Counter misses = Counter.builder("gatehouse.cache.responses").tag("result", "miss").register(meters);
        AtomicInteger open = metrics.clientConnections();
        stats.sample();

        for (int i = 0; i < 90; i++) {
            orders.record(200, Duration.ofMillis(3).toNanos());
        }
        for (int i = 0; i < 10; i++) {
            orders.record(503, Duration.ofMillis(400).toNanos());
        }
        for (int i = 0; i < 20; i++) {
            catalog.record(429, Duration.ofMillis(1).toNanos());
        }
        rejected.increment(20);
        hits.increment(3);
        misses.increment(1);
        open.set(7);
        clock.advance(Duration.ofSeconds(2));
        LiveStats.Sample sample = stats.sample();

        assertThat(sample.node()).isEqualTo("node-1");
        assertThat(sample.requests()).isEqualTo(120);
        assertThat(sample.requestsPerSecond()).isEqualTo(60.0);
        assertThat(sample.errorsPerSecond()).isEqualTo(5.0);
        assertThat(sample.clientErrorsPerSecond()).isEqualTo(10.0);
        assertThat(sample.rateLimitedPerSecond()).isEqualTo(10.0);
        assertThat(sample.errorRate()).isEqualTo(5.0 / 60);
        assertThat(sample.cacheHitRatio()).isEqualTo(0.75);
        assertThat(sample.cacheLookupsPerSecond()).isEqualTo(2.0);
        assertThat(sample.connections()).isEqualTo(7);
        // 120 requests: 20 of 1 ms, 90 of 3 ms, 10 of 400 ms; percentiles are their histogram bucket's bound
        assertThat(sample.p50Micros()).isEqualTo(5_000);
        assertThat(sample.p95Micros()).isEqualTo(500_000);
        assertThat(sample.p99Micros()).isEqualTo(500_000);
        LiveStats.RouteSample ordersNow = sample.routes().stream().filter(r -> r.route().equals("orders")).findFirst().orElseThrow();
        assertThat(ordersNow.requests()).isEqualTo(100);
        assertThat(ordersNow.requestsPerSecond()).isEqualTo(50.0);
        assertThat(ordersNow.errorsPerSecond()).isEqualTo(5.0);
        assertThat(ordersNow.rateLimitedPerSecond()).isEqualTo(10.0);
        assertThat(ordersNow.p95Micros()).isEqualTo(500_000);

        clock.advance(Duration.ofSeconds(1));
        LiveStats.Sample quiet = stats.sample();
        assertThat(quiet.requests()).as("a count since the start").isEqualTo(120);
        assertThat(quiet.requestsPerSecond()).isZero();
        assertThat(quiet.p95Micros()).as("no requests, no latency").isEqualTo(-1);
        assertThat(quiet.cacheHitRatio()).as("no cacheable request").isNull();
        assertThat(stats.history()).extracting(LiveStats.Sample::requestsPerSecond).containsExactly(60.0, 0.0);
        assertThat(stats.latest()).isEqualTo(quiet);
    }

    @Test
    void upstreamTargetsAreCountedWithTheUsableOnesAndOpenBreakers() {
        for (String target : List.of("a", "b", "c")) {
            Gauge.builder("gatehouse.upstream.healthy", () -> target.equals("c") ? 0 : 1).tags("pool", "p", "target", target).register(meters);
            Gauge.builder("gatehouse.upstream.breaker.open", () -> target.equals("b") ? 1 : 0).tags("pool", "p", "target", target).register(meters);
        }
        LiveStats.Sample sample = stats.sample();
        assertThat(sample.targets()).isEqualTo(3);
        assertThat(sample.healthyTargets()).isEqualTo(2);
        assertThat(sample.openBreakers()).isEqualTo(1);
    }

    @Test
    void fifteenMinutesOfSamplesAreKeptAndTheOldestGoFirst() {
        stats.sample();
        for (int i = 0; i < LiveStats.KEPT + 5; i++) {
            clock.advance(Duration.ofSeconds(1));
            stats.sample();
        }
        List<LiveStats.Sample> kept = stats.history();
        assertThat(kept).hasSize(LiveStats.KEPT);
        assertThat(Duration.between(kept.get(0).time(), kept.get(kept.size() - 1).time())).isEqualTo(Duration.ofSeconds(LiveStats.KEPT - 1));
    }

    @Test
    void watchersPastTheLimitAreRefusedAndCountedAndALeavingOneFreesItsPlace() {
        List<Runnable> handles = new ArrayList<>();
        for (int i = 0; i < LiveStats.MAX_WATCHERS; i++) {
            handles.add(stats.watch(sample -> { }).orElseThrow());
        }
        assertThat(stats.watch(sample -> { })).isEmpty();
        assertThat(meters.get("gatehouse.admin.streams.refused").counter().count()).isEqualTo(1);
        assertThat(meters.get("gatehouse.admin.streams").gauge().value()).isEqualTo(LiveStats.MAX_WATCHERS);
        handles.get(0).run();
        handles.get(0).run();
        assertThat(meters.get("gatehouse.admin.streams").gauge().value()).as("a handle run twice frees one place").isEqualTo(LiveStats.MAX_WATCHERS - 1);
        assertThat(stats.watch(sample -> { })).isPresent();
    }
}
