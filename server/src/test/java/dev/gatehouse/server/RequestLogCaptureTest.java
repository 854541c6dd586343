package dev.gatehouse.server;

import dev.gatehouse.core.time.Ticker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A mixed workload through a node, and the row each request leaves in PostgreSQL's request_logs: who called,
 * how the rate limit and the cache decided, the problem of an answer the gateway made, the trace id; routes
 * that sample keep every error, and a route with the log off keeps nothing.
 */
class RequestLogCaptureTest {

    static TestBed bed;
    static GatewayHarness gateway;
    static String key;
    static long keyId;

    @BeforeAll
    static void start() throws Exception {
        bed = new TestBed();
        TestUpstream upstream = bed.upstream("svc");
        upstream.handler(request -> {
            if (request.path().endsWith("/fail")) {
                request.response().setStatusCode(500).end("broken");
            } else {
                request.response().putHeader("cache-control", "max-age=60").end("fine " + request.path());
            }
        });
        Path spool = Files.createTempDirectory("gatehouse-spool");
        gateway = GatewayHarness.start(bed.database, "", """
                logs: {batchInterval: 50ms, spoolDir: "%s"}
                upstreams: {svc: {targets: [{url: "%s"}]}}
                routes:
                  - {name: open, match: {prefix: /open}, upstream: svc}
                  - {name: keyed, match: {prefix: /keyed}, upstream: svc, auth: {mode: required, accept: [api-key]},
                     rateLimit: {limits: [2/min], mode: local}}
                  - {name: cached, match: {prefix: /cached}, upstream: svc, cache: {ttl: 1m}}
                  - {name: sampled, match: {prefix: /sampled}, upstream: svc, log: {sample: 0}}
                  - {name: silent, match: {prefix: /silent}, upstream: svc, log: false}
                """.formatted(spool, upstream.url()), Ticker.system());
        var created = gateway.node().identities().keys().create("logged", "pro", List.of(), null, null);
        key = created.key();
        keyId = created.record().id();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        bed.close();
    }

    private static void get(String path, String requestId, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "X-Request-Id";
        all[1] = requestId;
        System.arraycopy(headers, 0, all, 2, headers.length);
        gateway.get(path, all);
    }

    /** The row of each request id that has one. */
    private static Map<String, Map<String, Object>> rows(List<String> ids) throws Exception {
        Map<String, Map<String, Object>> rows = new HashMap<>();
        try (Connection c = bed.database.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT * FROM request_logs WHERE request_id IN ('" + String.join("','", ids) + "')")) {
            ResultSetMetaData meta = r.getMetaData();
            while (r.next()) {
                Map<String, Object> row = new HashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnName(i), r.getObject(i));
                }
                rows.put(r.getString("request_id"), row);
            }
        }
        return rows;
    }

    @Test
    void everyRequestOfAMixedWorkloadLeavesARowWithWhatTheGatewayKnewOfIt() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        get("/open/ok", "log-open", "traceparent", "00-" + trace + "-00f067aa0ba902b7-01");
        get("/open/fail", "log-fail");
        get("/keyed/a", "log-key-1", "X-API-Key", key);
        get("/keyed/b", "log-key-2", "X-API-Key", key);
        get("/keyed/c", "log-key-3", "X-API-Key", key);
        get("/keyed/d", "log-anon");
        get("/cached/x", "log-miss");
        get("/cached/x", "log-hit");
        get("/nowhere", "log-noroute");
        get("/sampled/ok", "log-sampled-ok");
        get("/sampled/fail", "log-sampled-fail");
        get("/silent/ok", "log-silent");
        List<String> logged = List.of("log-open", "log-fail", "log-key-1", "log-key-2", "log-key-3", "log-anon", "log-miss", "log-hit",
                "log-noroute", "log-sampled-fail");
        await().atMost(Duration.ofSeconds(20)).until(() -> rows(logged).size() == logged.size());
        Map<String, Map<String, Object>> rows = rows(logged);

        Map<String, Object> open = rows.get("log-open");
        assertThat(open).containsEntry("route", "open").containsEntry("method", "GET").containsEntry("path", "/open/ok")
                .containsEntry("status", 200).containsEntry("client", "127.0.0.1").containsEntry("trace_id", trace)
                .containsEntry("problem", null).containsEntry("subject", null);
        assertThat(((java.sql.Timestamp) open.get("time")).toInstant()).isAfter(before).isBefore(Instant.now());
        assertThat((Long) open.get("duration_us")).isPositive();
        assertThat((Long) open.get("upstream_us")).isPositive().isLessThanOrEqualTo((Long) open.get("duration_us"));
        assertThat((Long) open.get("bytes_out")).isEqualTo("fine /open/ok".length());
        assertThat((String) open.get("target")).startsWith("127.0.0.1:");
        assertThat((String) open.get("node_id")).isEqualTo(gateway.node().nodeId());

        assertThat(rows.get("log-fail")).containsEntry("status", 500).containsEntry("problem", null);
        assertThat(rows.get("log-key-1")).containsEntry("subject", "key:" + keyId).containsEntry("key_id", keyId)
                .containsEntry("tier", "pro").containsEntry("rate_limit", "allowed");
        assertThat(rows.get("log-key-3")).containsEntry("status", 429).containsEntry("rate_limit", "limited")
                .containsEntry("problem", "rate-limited").containsEntry("upstream_us", null).containsEntry("target", null);
        assertThat(rows.get("log-anon")).containsEntry("status", 401).containsEntry("problem", "unauthorized")
                .containsEntry("subject", null);
        assertThat(rows.get("log-miss")).containsEntry("cache", "MISS");
        assertThat(rows.get("log-hit")).containsEntry("cache", "HIT-L1").containsEntry("upstream_us", null);
        assertThat(rows.get("log-noroute")).containsEntry("route", "none").containsEntry("status", 404)
                .containsEntry("problem", "no-route");
        assertThat(rows.get("log-sampled-fail")).as("a sampled route keeps its errors").containsEntry("status", 500);
        assertThat(rows(List.of("log-sampled-ok", "log-silent"))).as("a sample of 0, and a route with the log off").isEmpty();
    }
}
