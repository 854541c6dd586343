package dev.gatehouse.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class HotReloadTest {

    Vertx vertx;
    TestDatabase database;
    TestUpstream first;
    TestUpstream second;
    GatewayHarness gateway;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        database = TestPostgres.newDatabase();
        first = TestUpstream.start(vertx, "first");
        second = TestUpstream.start(vertx, "second");
        gateway = GatewayHarness.start(database, routes("/api", first));
    }

    @AfterEach
    void stop() {
        gateway.close();
        vertx.close();
        database.close();
    }

    private static String routes(String prefix, TestUpstream upstream) {
        return """
                upstreams:
                  pool: {targets: [{url: "%s"}]}
                routes:
                  - {name: main, match: {prefix: %s}, upstream: pool}
                """.formatted(upstream.url(), prefix);
    }

    private double reloads(String result) {
        String metrics = gateway.admin("/metrics").body();
        return metrics.lines().filter(l -> l.startsWith("gatehouse_config_reloads_total{result=\"" + result + "\"}"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void aValidChangeToTheFileTakesEffectWithoutARestart() {
        assertThat(gateway.get("/api/x").body()).contains("\"upstream\":\"first\"");
        gateway.rewrite(routes("/v2", second));
        await().untilAsserted(() -> assertThat(gateway.get("/v2/x").body()).contains("\"upstream\":\"second\""));
        assertThat(gateway.get("/api/x").statusCode()).isEqualTo(404);
        assertThat(gateway.admin("/routes").body()).contains("\"match\" : \"/v2\"");
    }

    @Test
    void anInvalidChangeIsRefusedAndTheRunningConfigurationKeepsServing() {
        gateway.rewrite("""
                upstreams:
                  pool: {targets: [{url: "%s"}]}
                routes:
                  - {name: main, match: {prefix: /api}, upstream: missing}
                """.formatted(second.url()));
        await().until(() -> reloads("refused") >= 1);
        assertThat(gateway.get("/api/x").body()).contains("\"upstream\":\"first\"");

        gateway.writeRaw("routes: [unclosed");
        await().until(() -> reloads("refused") >= 2);
        assertThat(gateway.get("/api/x").body()).contains("\"upstream\":\"first\"");
        assertThat(reloads("applied")).isZero();
    }

    @Test
    void noRequestIsDroppedWhileTheConfigurationIsSwappedUnderTraffic() throws Exception {
        gateway.rewrite(routes("/api", first).replace("targets: [", "targets: [{url: \"" + second.url() + "\"}, "));
        await().until(() -> reloads("applied") >= 1);
        AtomicBoolean running = new AtomicBoolean(true);
        List<Integer> statuses = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> clients = List.of(
                CompletableFuture.runAsync(() -> { while (running.get()) { statuses.add(gateway.get("/api/load").statusCode()); } }),
                CompletableFuture.runAsync(() -> { while (running.get()) { statuses.add(gateway.get("/api/load").statusCode()); } }));
        for (int i = 0; i < 6; i++) {
            TestUpstream only = i % 2 == 0 ? first : second;
            gateway.rewrite(routes("/api", only) + "# change " + i + "\n");
            int expected = i + 2;
            await().until(() -> reloads("applied") >= expected);
        }
        running.set(false);
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();
        assertThat(statuses).isNotEmpty().containsOnly(200);
    }

    @Test
    void settingsThatApplyOnReloadRaiseNoRestartWarningAndARestartSettingIsNamedUntilItIsPutBack() {
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        Logger nodeLog = (Logger) LoggerFactory.getLogger(GatewayNode.class);
        logged.start();
        nodeLog.addAppender(logged);
        try {
            gateway.get("/api/x", "X-Forwarded-For", "203.0.113.9");
            assertThat(first.last().headers().get("x-forwarded-for")).as("not trusted yet").isEqualTo("127.0.0.1");

            gateway.rewrite("  trustedProxies: [127.0.0.1]\n", routes("/api", first));
            await().until(() -> reloads("applied") >= 1);
            gateway.get("/api/x", "X-Forwarded-For", "203.0.113.9");
            assertThat(first.last().headers().get("x-forwarded-for")).as("trusted after the reload")
                    .isEqualTo("203.0.113.9, 127.0.0.1");
            assertThat(restartWarnings(logged)).isEmpty();

            gateway.rewrite("  trustedProxies: [127.0.0.1]\n  idleTimeout: 30s\n", routes("/api", first));
            await().until(() -> reloads("applied") >= 2);
            assertThat(restartWarnings(logged)).singleElement().asString()
                    .contains("gateway.idleTimeout (running with PT1M, the file says PT30S)").doesNotContain("trustedProxies");

            gateway.rewrite("  trustedProxies: [127.0.0.1]\n", routes("/api", first));
            await().until(() -> reloads("applied") >= 3);
            assertThat(restartWarnings(logged)).as("put back to what the node runs with: nothing to restart for").hasSize(1);
        } finally {
            nodeLog.detachAppender(logged);
        }
    }

    private static List<String> restartWarnings(ListAppender<ILoggingEvent> logged) {
        return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("restart")).toList();
    }
}
