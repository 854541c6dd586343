package dev.gatehouse.server.admin;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.core.cache.CachePolicy;
import dev.gatehouse.core.config.AuthConfig;
import dev.gatehouse.core.config.CredentialType;
import dev.gatehouse.core.config.RateLimitConfig;
import dev.gatehouse.core.config.RouteCacheConfig;
import dev.gatehouse.core.config.RouteConfig;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.core.config.IdentityConfig;
import dev.gatehouse.server.auth.Identities;
import dev.gatehouse.server.auth.IdentityEndpoints;
import dev.gatehouse.server.observe.ClusterStats;
import dev.gatehouse.server.observe.LiveStats;
import dev.gatehouse.server.cache.ResponseCache;
import dev.gatehouse.server.logs.Analytics;
import dev.gatehouse.server.logs.LogSearch;
import dev.gatehouse.server.jobs.Jobs;
import dev.gatehouse.server.observe.HealthEndpoints;
import dev.gatehouse.server.observe.GatewayMetrics;
import dev.gatehouse.server.pipeline.Problem;
import dev.gatehouse.server.routing.RoutingSnapshot;
import dev.gatehouse.server.store.NodeRegistry;
import dev.gatehouse.server.upstream.UpstreamPool;
import dev.gatehouse.server.upstream.UpstreamTarget;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.function.Supplier;

/**
 * The admin listener's API (loopback by default): Prometheus metrics, upstream and route state, health,
 * and the guarded endpoints for identities, the cache and the request log's analytics. Every {@code GET} also answers {@code HEAD}. Unknown
 * paths get a problem+json 404; a known path asked with a method it does not take, a 405 with {@code Allow}.
 */
public final class AdminApi {
    private final GatewayMetrics metrics;
    private final Supplier<Map<String, UpstreamPool>> pools;
    private final Supplier<RoutingSnapshot> snapshot;
    private final HealthEndpoints health;
    private final Identities identities;
    private final ResponseCache cache;
    private final NodeRegistry nodes;
    private final Analytics analytics;
    private final LogSearch logs;
    private final Jobs jobs;
    private final Clock clock;
    private final LiveStats liveStats;
    private final ClusterStats clusterStats;
    private final IdentityConfig identityConfig;
    private volatile Set<String> operations = Set.of();

    public AdminApi(GatewayMetrics metrics, Supplier<Map<String, UpstreamPool>> pools, Supplier<RoutingSnapshot> snapshot,
                    HealthEndpoints health, Identities identities, IdentityConfig identityConfig, ResponseCache cache, NodeRegistry nodes,
                    Analytics analytics, LogSearch logs, Jobs jobs, LiveStats liveStats, ClusterStats clusterStats, Clock clock) {
        this.clock = clock;
        this.jobs = jobs;
        this.clusterStats = clusterStats;
        this.liveStats = liveStats;
        this.identityConfig = identityConfig;
        this.analytics = analytics;
        this.logs = logs;
        this.metrics = metrics;
        this.pools = pools;
        this.snapshot = snapshot;
        this.health = health;
        this.identities = identities;
        this.cache = cache;
        this.nodes = nodes;
    }

    public Router router(Vertx vertx) {
        Router router = Router.router(vertx);
        Buffer description = openApi();
        router.get("/openapi.json").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
                .putHeader("cache-control", "no-cache").end(description));
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape()));
        router.get("/upstreams").handler(this::upstreams);
        router.get("/routes").handler(this::routes);
        for (String path : new String[]{"/health", "/health/live", "/health/ready"}) {
            router.get(path).handler(ctx -> health.handles(path, ctx.request()));
        }
        AdminGuard guard = new AdminGuard(identities);
        AdminCalls calls = new AdminCalls(vertx);
        new DashboardAssets(vertx).mount(router);
        IdentityEndpoints signIn = IdentityEndpoints.forAdminListener(vertx, identities, identityConfig, clock);
        router.post("/auth/login").handler(ctx -> signIn.handles("/auth/login", ctx.request()));
        router.post("/auth/logout").handler(ctx -> signIn.handles("/auth/logout", ctx.request()));
        router.get("/me").handler(ctx -> signIn.handles("/me", ctx.request()));
        new LiveStatsAdmin(liveStats, clusterStats, nodes, guard, calls).mount(router);
        router.get("/nodes").handler(ctx -> calls.blocking(ctx, nodes::list).onSuccess(list -> nodes(ctx, list)));
        new IdentityAdmin(identities, guard, calls, snapshot, clock).mount(router);
        new UserAdmin(identities, guard, calls).mount(router);
        new CacheAdmin(cache, guard).mount(router);
        new AnalyticsAdmin(analytics, logs, guard, calls).mount(router);
        new JobsAdmin(jobs, guard, calls).mount(router);
        // HEAD wherever GET (RFC 9110 9.3.2): the same handler answers, and the server sends its headers without the body
        router.getRoutes().stream().filter(r -> r.methods() != null && r.methods().contains(HttpMethod.GET))
                .forEach(r -> r.method(HttpMethod.HEAD));
        operations = router.getRoutes().stream().filter(r -> r.methods() != null && r.getPath() != null && r.isExactPath())
                .flatMap(r -> r.methods().stream().filter(m -> m != HttpMethod.HEAD).map(m -> m.name() + " " + r.getPath()))
                .collect(Collectors.toCollection(TreeSet::new));
        router.route().last().handler(ctx -> {
            String path = ctx.request().path();
            Set<String> allowed = allowedMethods(router, path);
            if (!allowed.isEmpty()) {
                ctx.response().putHeader("allow", String.join(", ", allowed));
                Problem.of(405, "method-not-allowed", "Method not allowed", path + " accepts " + String.join(", ", allowed)
                        + ", not " + ctx.request().method()).send(ctx.response(), path, null);
                return;
            }
            Problem.of(404, "not-found", "Not found", "the admin API has no " + ctx.request().method() + " " + path
                            + "; see /openapi.json for every endpoint, or / for the dashboard")
                    .send(ctx.response(), path, null);
        });
        return router;
    }

    /**
     * What the admin listener answers, as {@code METHOD /path/:param} (HEAD aside: every GET takes it), once the router is
     * built: its OpenAPI document is held to these.
     */
    public Set<String> operations() {
        return operations;
    }

    /** The admin API's OpenAPI document, from the jar. */
    private static Buffer openApi() {
        try (java.io.InputStream in = AdminApi.class.getClassLoader().getResourceAsStream("admin/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("admin/openapi.json is missing from the jar");
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The methods the router's routes take at {@code path} (routes with a method and a path: exact, or with :params). */
    static Set<String> allowedMethods(Router router, String path) {
        Set<String> allowed = new TreeSet<>();
        for (Route route : router.getRoutes()) {
            String pattern = route.getPath();
            if (route.methods() == null || pattern == null || pattern.endsWith("*")) {
                continue;
            }
            String regex = Arrays.stream(pattern.split("/", -1))
                    .map(segment -> segment.startsWith(":") ? "[^/]+" : Pattern.quote(segment))
                    .collect(Collectors.joining("/"));
            if (path.matches(regex)) {
                route.methods().forEach(m -> allowed.add(m.name()));
            }
        }
        return allowed;
    }

    private void upstreams(RoutingContext ctx) {
        JsonObject body = new JsonObject();
        for (UpstreamPool pool : pools.get().values()) {
            JsonArray targets = new JsonArray();
            for (UpstreamTarget t : pool.targets()) {
                targets.add(new JsonObject()
                        .put("target", t.address())
                        .put("weight", t.weight())
                        .put("healthy", t.health().isHealthy())
                        .put("ejected", t.health().isEjected())
                        .put("usable", t.health().isUsable())
                        .put("breaker", t.breakerState())
                        .put("inFlight", t.inFlight())
                        .put("successes", t.successes())
                        .put("failures", t.failures())
                        .put("failureRate", failureRate(t))
                        .put("transitions", new JsonArray(t.transitions().stream().map(tr -> new JsonObject().put("from", tr.from())
                                .put("to", tr.to()).put("at", tr.at().toString())).toList())));
            }
            body.put(pool.name(), new JsonObject()
                    .put("balancer", pool.config().balancer().configName())
                    .put("healthCheck", pool.config().healthCheck() == null ? null : pool.config().healthCheck().path())
                    .put("targets", targets));
        }
        ctx.response().putHeader("content-type", "application/json").end(body.encodePrettily());
    }

    /** The breaker's failure rate in % over its window; null without a breaker or before it has seen its minimum of calls. */
    private static Double failureRate(UpstreamTarget t) {
        if (t.breaker() == null) {
            return null;
        }
        float rate = t.breaker().getMetrics().getFailureRate();
        return rate < 0 ? null : (double) rate;
    }

    private static void nodes(RoutingContext ctx, List<NodeRegistry.Node> list) {
        JsonArray body = new JsonArray();
        for (NodeRegistry.Node n : list) {
            body.add(new JsonObject()
                    .put("nodeId", n.nodeId())
                    .put("hostname", n.hostname())
                    .put("version", n.version())
                    .put("gateway", n.gatewayAddress())
                    .put("admin", n.adminAddress())
                    .put("startedAt", String.valueOf(n.startedAt()))
                    .put("lastSeen", String.valueOf(n.lastSeen()))
                    .put("stoppedAt", n.stoppedAt() == null ? null : n.stoppedAt().toString())
                    .put("live", n.live()));
        }
        ctx.response().putHeader("content-type", "application/json").end(body.encodePrettily());
    }

    private void routes(RoutingContext ctx) {
        JsonArray routes = new JsonArray();
        for (RouteConfig r : snapshot.get().config().routes()) {
            routes.add(new JsonObject()
                    .put("name", r.name())
                    .put("match", r.rule().path().source())
                    .put("methods", new JsonArray(r.rule().methods().stream().sorted().toList()))
                    .put("host", r.rule().host())
                    .put("version", r.rule().version())
                    .put("upstream", r.upstream())
                    .put("requestTimeoutMs", r.requestTimeout().toMillis())
                    .put("maxBodyBytes", r.maxBodyBytes())
                    .put("retries", r.retries())
                    .put("auth", auth(r.auth()))
                    .put("cache", cache(r.cache()))
                    .put("rateLimit", rateLimit(r.rateLimit())));
        }
        ctx.response().putHeader("content-type", "application/json").end(routes.encodePrettily());
    }

    private static JsonObject auth(AuthConfig auth) {
        JsonObject out = new JsonObject().put("mode", auth.mode().configName());
        if (!auth.none()) {
            out.put("accept", new JsonArray(auth.accept().stream().map(CredentialType::configName).toList()))
                    .put("scopes", new JsonArray(auth.scopes())).put("role", auth.role());
        }
        return out;
    }

    /** A route's cache as configured, or null when it has none. */
    private static JsonObject cache(RouteCacheConfig cache) {
        if (cache == null) {
            return null;
        }
        CachePolicy p = cache.policy();
        return new JsonObject()
                .put("ttlMs", p.defaultTtl().toMillis())
                .put("maxTtlMs", p.maxTtl().toMillis())
                .put("public", p.publicContent())
                .put("perCaller", p.perCaller())
                .put("staleWhileRevalidateMs", p.staleWhileRevalidate().toMillis())
                .put("staleIfErrorMs", p.staleIfError().toMillis())
                .put("maxStaleMs", p.maxStale().toMillis())
                .put("maxEntryBytes", cache.maxEntryBytes());
    }

    /** A route's rate limit as configured, or null when it has none. */
    private static JsonObject rateLimit(RateLimitConfig limit) {
        if (limit == null) {
            return null;
        }
        JsonObject out = new JsonObject()
                .put("tiers", limit.tiers())
                .put("limits", new JsonArray(limit.limits().stream().map(RateLimit::text).toList()))
                .put("algorithm", limit.algorithm().configName())
                .put("mode", limit.mode().configName())
                .put("onRedisFailure", limit.onRedisFailure().configName())
                .put("expectedNodes", limit.expectedNodes())
                .put("cost", limit.cost());
        if (limit.leased()) {
            out.put("leaseSize", limit.leaseSize()).put("leaseTtlMs", limit.leaseTtl().toMillis());
        }
        return out;
    }
}
