package dev.gatehouse.server.admin;

import dev.gatehouse.server.observe.LiveStats;
import dev.gatehouse.server.pipeline.Problem;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.gatehouse.server.admin.AdminCalls.json;
import static dev.gatehouse.server.admin.AdminCalls.onlyParams;
import static dev.gatehouse.server.admin.AdminCalls.problem;

/**
 * This node's traffic live: {@code GET /stats} (the newest second) and {@code GET /stats/stream}, Server-Sent Events
 * that open with the last fifteen minutes ({@code event: history}) and then carry one {@code event: sample} a second.
 * A stream re-checks its credential every {@value #RECHECK_EVERY} samples and ends once it is no longer an admin's.
 */
final class LiveStatsAdmin {
    static final int RECHECK_EVERY = 30;

    private final LiveStats stats;
    private final AdminGuard guard;

    LiveStatsAdmin(LiveStats stats, AdminGuard guard) {
        this.stats = stats;
        this.guard = guard;
    }

    void mount(Router router, Vertx vertx) {
        router.route("/stats*").handler(guard);
        router.get("/stats").handler(ctx -> {
            try {
                onlyParams(ctx, List.of());
            } catch (IllegalArgumentException e) {
                problem(ctx, 400, "invalid-query", "Invalid query", e.getMessage());
                return;
            }
            json(ctx, 200, sampleJson(stats.latest(), true).encodePrettily());
        });
        router.get("/stats/stream").handler(this::stream);
    }

    private void stream(RoutingContext ctx) {
        try {
            onlyParams(ctx, List.of());
        } catch (IllegalArgumentException e) {
            problem(ctx, 400, "invalid-query", "Invalid query", e.getMessage());
            return;
        }
        HttpServerResponse response = ctx.response();
        response.putHeader("content-type", "text/event-stream; charset=utf-8").putHeader("cache-control", "no-store");
        if (ctx.request().method() == HttpMethod.HEAD) {
            response.end();
            return;
        }
        AtomicInteger sent = new AtomicInteger();
        Optional<Runnable> watching = stats.watch(sample -> {
            if (response.ended() || response.closed()) {
                return;
            }
            if (response.writeQueueFull()) {
                return; // a reader this far behind skips a second rather than growing the queue
            }
            response.write("event: sample\ndata: " + sampleJson(sample, true).encode() + "\n\n");
            if (sent.incrementAndGet() % RECHECK_EVERY == 0) {
                guard.recheck(ctx.request(), () -> {
                    if (!response.ended()) {
                        response.end("event: end\ndata: {\"detail\": \"the credential is no longer an admin's; sign in again\"}\n\n");
                    }
                });
            }
        });
        if (watching.isEmpty()) {
            Problem.of(503, "too-many-streams", "Too many streams", "the admin listener has " + LiveStats.MAX_WATCHERS
                    + " live-stats streams open already; close one (another dashboard tab) and retry").retryAfter(5)
                    .send(response, ctx.request().path(), null);
            return;
        }
        response.setChunked(true);
        response.closeHandler(v -> watching.get().run());
        response.endHandler(v -> watching.get().run());
        JsonArray history = new JsonArray();
        stats.history().forEach(sample -> history.add(sampleJson(sample, false)));
        response.write("retry: 2000\nevent: history\ndata: " + new JsonObject().put("node", stats.nodeId()).put("samples", history).encode() + "\n\n");
    }

    /** A sample as the API writes it: rates per second, latencies in ms; per route only when {@code routes}. */
    static JsonObject sampleJson(LiveStats.Sample s, boolean routes) {
        JsonObject out = new JsonObject()
                .put("node", s.node())
                .put("time", s.time().toString())
                .put("requests", s.requests())
                .put("requestsPerSecond", s.requestsPerSecond())
                .put("errorsPerSecond", s.errorsPerSecond())
                .put("errorRate", Math.round(s.errorRate() * 10_000) / 10_000.0)
                .put("clientErrorsPerSecond", s.clientErrorsPerSecond())
                .put("rateLimitedPerSecond", s.rateLimitedPerSecond())
                .put("cacheHitRatio", s.cacheHitRatio())
                .put("connections", s.connections())
                .put("upstreamInFlight", s.upstreamInFlight())
                .put("targets", s.targets())
                .put("healthyTargets", s.healthyTargets())
                .put("openBreakers", s.openBreakers())
                .put("latencyMs", new JsonObject().put("p50", AnalyticsJson.ms(s.p50Micros())).put("p95", AnalyticsJson.ms(s.p95Micros()))
                        .put("p99", AnalyticsJson.ms(s.p99Micros())));
        if (routes) {
            JsonArray list = new JsonArray();
            for (LiveStats.RouteSample r : s.routes()) {
                list.add(new JsonObject().put("route", r.route()).put("requests", r.requests()).put("requestsPerSecond", r.requestsPerSecond())
                        .put("errorsPerSecond", r.errorsPerSecond()).put("rateLimitedPerSecond", r.rateLimitedPerSecond())
                        .put("p95Ms", AnalyticsJson.ms(r.p95Micros())));
            }
            out.put("routes", list);
        }
        return out;
    }
}
