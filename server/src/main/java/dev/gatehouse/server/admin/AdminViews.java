package dev.gatehouse.server.admin;

import dev.gatehouse.core.config.AdminViewsConfig;
import dev.gatehouse.server.auth.Identities;
import dev.gatehouse.server.cache.ResponseCache;
import dev.gatehouse.server.logs.Analytics;
import dev.gatehouse.server.observe.GatewayMetrics;
import dev.gatehouse.server.pipeline.Problem;
import dev.gatehouse.server.upstream.UpstreamPool;
import dev.gatehouse.server.upstream.UpstreamTarget;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.function.Supplier;

/**
 * Admin views on the gateway listener ({@code adminViews}), served before routing: under the base path
 * ({@code /api/v1/admin} by default) {@code GET dashboard} (the last 15 minutes from the request log's analytics,
 * with upstream health and breakers as they are now), {@code GET circuit-breakers}, {@code GET cache} and
 * {@code POST cache/clear}, each for an admin credential only, as on the admin listener; and, when
 * {@code adminViews.metrics} is on, {@code GET /metrics} for anyone.
 */
public final class AdminViews {
    private final Vertx vertx;
    private final AdminViewsConfig config;
    private final AdminGuard guard;
    private final ResponseCache cache;
    private final Supplier<Map<String, UpstreamPool>> pools;
    private final Analytics analytics;
    private final GatewayMetrics metrics;
    private final String base;

    public AdminViews(Vertx vertx, AdminViewsConfig config, Identities identities, ResponseCache cache,
                      Supplier<Map<String, UpstreamPool>> pools, Analytics analytics, GatewayMetrics metrics) {
        this.vertx = vertx;
        this.config = config;
        this.guard = new AdminGuard(identities);
        this.cache = cache;
        this.pools = pools;
        this.analytics = analytics;
        this.metrics = metrics;
        this.base = config.basePath() + "/";
    }

    /** Answers the request if it is one of these views (or anything else under the base path); returns whether it did. */
    public boolean handles(String path, HttpServerRequest request) {
        if (config.metrics() && path.equals("/metrics")) {
            if (only(request, HttpMethod.GET)) {
                request.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape());
            }
            return true;
        }
        if (!config.enabled() || !path.startsWith(base)) {
            return false;
        }
        String view = path.substring(base.length());
        guard.check(request, () -> {
            switch (view) {
                case "dashboard" -> {
                    if (only(request, HttpMethod.GET)) {
                        dashboard(request);
                    }
                }
                case "circuit-breakers" -> {
                    if (only(request, HttpMethod.GET)) {
                        json(request, breakers());
                    }
                }
                case "cache" -> {
                    if (only(request, HttpMethod.GET)) {
                        json(request, new JsonObject(cache.stats()));
                    }
                }
                case "cache/clear" -> {
                    if (only(request, HttpMethod.POST)) {
                        cache.clear().onComplete(done -> json(request, new JsonObject().put("cleared", true)));
                    }
                }
                default -> send(request, Problem.of(404, "not-found", "Not found", "there is no admin view " + path + "; see "
                        + base + "dashboard, " + base + "circuit-breakers, " + base + "cache and " + base + "cache/clear"));
            }
        });
        return true;
    }

    /** The last 15 minutes of traffic with upstreams and the cache as they are now; without PostgreSQL, the live part alone. */
    private void dashboard(HttpServerRequest request) {
        vertx.executeBlocking(() -> {
            Analytics.Filter all = Analytics.Filter.ALL;
            return analytics.summary(analytics.range(null, null, null, AnalyticsAdmin.SUMMARY_RANGE, all), all);
        }, false).onComplete(result -> {
            JsonObject body = new JsonObject().put("window", "15m");
            if (result.succeeded()) {
                Analytics.Summary s = result.result();
                JsonObject traffic = AnalyticsJson.summary(s);
                body.put("totals", new JsonObject().put("requests", s.requests()).put("errors", s.errors())
                                .put("clientErrors", s.clientErrors()).put("rateLimited", s.limited()))
                        .put("requestRate", traffic.getDouble("requestsPerSecond"))
                        .put("errorRate", traffic.getDouble("errorRate"))
                        .put("rateLimited", s.limited())
                        .put("cacheHitRatio", traffic.getDouble("cacheHitRatio"))
                        .put("latencyMs", traffic.getJsonObject("latencyMs"))
                        .put("traffic", traffic);
            } else {
                body.put("traffic", null).put("trafficError", "the request log cannot be read: " + result.cause().getMessage());
            }
            body.put("upstreams", upstreams()).put("circuitBreakers", breakers()).put("cache", new JsonObject(cache.stats()));
            json(request, body);
        });
    }

    private JsonObject upstreams() {
        JsonObject out = new JsonObject();
        for (UpstreamPool pool : pools.get().values()) {
            JsonArray targets = new JsonArray();
            long healthy = 0;
            for (UpstreamTarget t : pool.targets()) {
                healthy += t.health().isUsable() ? 1 : 0;
                targets.add(new JsonObject().put("target", t.address()).put("healthy", t.health().isHealthy())
                        .put("usable", t.health().isUsable()).put("breaker", t.breakerState()).put("inFlight", t.inFlight()));
            }
            out.put(pool.name(), new JsonObject().put("healthy", healthy).put("targets", targets));
        }
        return out;
    }

    /** Each pool's targets with their breaker: state, calls it has seen fail, failure rate, and health. */
    JsonObject breakers() {
        JsonObject out = new JsonObject();
        for (UpstreamPool pool : pools.get().values()) {
            JsonArray targets = new JsonArray();
            for (UpstreamTarget t : pool.targets()) {
                CircuitBreaker breaker = t.breaker();
                float rate = breaker == null ? -1 : breaker.getMetrics().getFailureRate();
                targets.add(new JsonObject()
                        .put("target", t.address())
                        .put("state", t.breakerState())
                        .put("failures", t.failures())
                        .put("successes", t.successes())
                        // Resilience4j's -1: fewer calls than the breaker's minimum so far
                        .put("failureRate", rate < 0 ? null : (double) rate)
                        .put("healthy", t.health().isHealthy()));
            }
            out.put(pool.name(), targets);
        }
        return out;
    }

    private static boolean only(HttpServerRequest request, HttpMethod method) {
        boolean head = method == HttpMethod.GET && request.method() == HttpMethod.HEAD;
        if (request.method() == method || head) {
            return true;
        }
        request.response().putHeader("allow", method == HttpMethod.GET ? "GET, HEAD" : method.name());
        send(request, Problem.of(405, "method-not-allowed", "Method not allowed", request.path() + " accepts " + method.name()
                + ", not " + request.method()));
        return false;
    }

    private static void json(HttpServerRequest request, JsonObject body) {
        request.response().putHeader("content-type", "application/json").putHeader("cache-control", "no-store").end(body.encodePrettily());
    }

    private static void send(HttpServerRequest request, Problem problem) {
        problem.send(request.response(), request.path(), null);
    }
}
