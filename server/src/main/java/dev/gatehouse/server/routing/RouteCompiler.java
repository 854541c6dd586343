package dev.gatehouse.server.routing;

import dev.gatehouse.core.config.IpRules;
import dev.gatehouse.server.edge.CorsFilter;
import dev.gatehouse.server.edge.IpFilter;
import dev.gatehouse.core.config.RequestLogPolicy;
import dev.gatehouse.server.logs.RequestLogSink;
import dev.gatehouse.server.logs.RequestLogFilter;
import dev.gatehouse.core.time.Clock;
import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.core.config.GatewayListenerConfig;
import dev.gatehouse.core.config.RouteConfig;
import dev.gatehouse.core.http.TrustedProxies;
import dev.gatehouse.core.route.PathRewrite;
import dev.gatehouse.core.route.RouteTable;
import dev.gatehouse.server.auth.AuthFilter;
import dev.gatehouse.server.auth.CallerHeadersFilter;
import dev.gatehouse.server.auth.Identities;
import dev.gatehouse.server.cache.CacheFilter;
import dev.gatehouse.server.cache.ResponseCache;
import dev.gatehouse.server.cache.WriteInvalidation;
import dev.gatehouse.server.observe.AccessLog;
import dev.gatehouse.server.observe.GatewayMetrics;
import dev.gatehouse.server.observe.ObserveFilter;
import dev.gatehouse.server.observe.TraceFilter;
import dev.gatehouse.server.observe.Tracing;
import dev.gatehouse.server.pipeline.BodyLimitFilter;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.CompiledRoute;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.HeaderLimitFilter;
import dev.gatehouse.server.pipeline.RejectFilter;
import dev.gatehouse.server.pipeline.RequestIdFilter;
import dev.gatehouse.server.pipeline.RewriteFilter;
import dev.gatehouse.server.pipeline.WebSocketGate;
import dev.gatehouse.server.ratelimit.RateLimitFilter;
import dev.gatehouse.server.ratelimit.RateLimiters;
import dev.gatehouse.server.transform.CompressionFilter;
import dev.gatehouse.server.upstream.ProxyFilter;
import dev.gatehouse.server.jobs.JobIntakeFilter;
import dev.gatehouse.server.jobs.JobStatusFilter;
import dev.gatehouse.server.jobs.Jobs;
import dev.gatehouse.core.config.AuthConfig;
import dev.gatehouse.core.config.CredentialType;
import dev.gatehouse.core.route.PathPattern;
import dev.gatehouse.core.route.RouteRule;
import dev.gatehouse.server.upstream.UpstreamPool;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Turns configuration into per-route filter chains, once per load: nothing here runs per request. */
public final class RouteCompiler {
    private final Vertx vertx;
    private final GatewayMetrics metrics;
    private final AccessLog accessLog;
    private final RateLimiters limiters;
    private final Identities identities;
    private final ResponseCache cache;
    private final Clock clock;
    private final RequestLogSink requestLog;
    private final Jobs jobs;
    /** The node's tracing, or null when it traces nothing. */
    private final Tracing tracing;

    public RouteCompiler(Vertx vertx, GatewayMetrics metrics, AccessLog accessLog, RateLimiters limiters, Identities identities,
                         ResponseCache cache, RequestLogSink requestLog, Jobs jobs, Clock clock, Tracing tracing) {
        this.jobs = jobs;
        this.vertx = vertx;
        this.tracing = tracing;
        this.requestLog = requestLog;
        this.clock = clock;
        this.metrics = metrics;
        this.accessLog = accessLog;
        this.limiters = limiters;
        this.identities = identities;
        this.cache = cache;
    }

    public RoutingSnapshot compile(GatewayConfig config, Map<String, UpstreamPool> pools) {
        TrustedProxies trusted = TrustedProxies.parse(config.gateway().trustedProxies());
        RouteTable.Builder<CompiledRoute> table = RouteTable.builder();
        boolean anyCache = config.routes().stream().anyMatch(r -> r.cache() != null);
        for (RouteConfig route : config.routes()) {
            table.add(route.rule(), compile(route, config, pools.get(route.upstream()), trusted, anyCache));
        }
        if (config.routes().stream().anyMatch(RouteConfig::isAsync)) {
            table.add(new RouteRule(PathPattern.template(config.jobs().statusPath() + "/{id}"), java.util.Set.of("GET", "HEAD"), null,
                    Map.of(), null, config.gateway().versionHeader()), jobStatus(config, trusted));
        }
        CompiledRoute unrouted = new CompiledRoute("none", null,
                Chain.of(unroutedFilters(config.gateway(), trusted)));
        return new RoutingSnapshot(config, table.build(), unrouted, trusted);
    }

    /** Requests no route takes (404, or 400 for a refused path) are timed and logged like any other. */
    private List<Filter> unroutedFilters(GatewayListenerConfig listener, TrustedProxies trusted) {
        List<Filter> filters = new ArrayList<>(List.of(new RequestIdFilter(), new ObserveFilter(accessLog, metrics.requestTimers("none"), clock)));
        if (tracing != null) {
            filters.add(new TraceFilter(tracing.tracer(), Tracing.propagator()));
        }
        if (requestLog != RequestLogSink.NONE) {
            filters.add(new RequestLogFilter(RequestLogPolicy.ALL, requestLog, trusted, clock));
        }
        if (!listener.ip().isEmpty()) {
            filters.add(new IpFilter(listener.ip(), IpRules.ANYONE, trusted));
        }
        filters.add(new RejectFilter());
        return filters;
    }

    /**
     * Where clients poll their jobs ({@code GET <jobs.statusPath>/<id>}, route {@code jobs}): authenticated with any
     * credential an async route takes; the job answers only to its submitter or an admin.
     */
    private CompiledRoute jobStatus(GatewayConfig config, TrustedProxies trusted) {
        List<CredentialType> accept = new ArrayList<>();
        config.routes().stream().filter(RouteConfig::isAsync).forEach(r -> r.auth().accept().stream()
                .filter(t -> !accept.contains(t)).forEach(accept::add));
        List<Filter> filters = new ArrayList<>(List.of(new RequestIdFilter(), new ObserveFilter(accessLog, metrics.requestTimers("jobs"), clock)));
        if (tracing != null) {
            filters.add(new TraceFilter(tracing.tracer(), Tracing.propagator()));
        }
        if (requestLog != RequestLogSink.NONE) {
            filters.add(new RequestLogFilter(RequestLogPolicy.ALL, requestLog, trusted, clock));
        }
        if (!config.gateway().ip().isEmpty()) {
            filters.add(new IpFilter(config.gateway().ip(), IpRules.ANYONE, trusted));
        }
        filters.add(new AuthFilter(new AuthConfig(AuthConfig.Mode.REQUIRED, accept, List.of(), null), identities));
        filters.add(new JobStatusFilter(jobs));
        return new CompiledRoute("jobs", null, Chain.of(filters));
    }

    private CompiledRoute compile(RouteConfig route, GatewayConfig config, UpstreamPool pool, TrustedProxies trusted, boolean anyCache) {
        GatewayListenerConfig listener = config.gateway();
        List<Filter> filters = new ArrayList<>();
        filters.add(new RequestIdFilter());
        filters.add(new ObserveFilter(accessLog, metrics.requestTimers(route.name()), clock));
        if (tracing != null) {
            filters.add(new TraceFilter(tracing.tracer(), Tracing.propagator()));
        }
        if (route.log().enabled() && requestLog != RequestLogSink.NONE) {
            filters.add(new RequestLogFilter(route.log(), requestLog, trusted, clock));
        }
        if (!listener.ip().isEmpty() || !route.ip().isEmpty()) {
            filters.add(new IpFilter(listener.ip(), route.ip(), trusted));
        }
        if (route.cors() != null) {
            // before authentication and limits: a preflight carries no credential and is not a call
            filters.add(new CorsFilter(route.cors()));
        }
        if (route.websocket() == null) {
            filters.add(new WebSocketGate(route.name()));
        }
        if (route.compression() != null) {
            // outside the cache: it keeps one plain copy, and each request gets it compressed or not as it asks
            filters.add(new CompressionFilter(route.compression()));
        }
        if (route.maxHeaderBytes() < listener.maxHeaderBytes()) {
            // the listener already enforces its own limit while decoding; only a stricter route needs a check
            filters.add(new HeaderLimitFilter(route.maxHeaderBytes()));
        }
        if (!route.auth().none()) {
            filters.add(new AuthFilter(route.auth(), identities));
        }
        filters.add(new CallerHeadersFilter(route.auth()));
        if (route.rateLimit() != null) {
            filters.add(new RateLimitFilter(route.name(), route.rateLimit(), limiters, trusted, identities, metrics.registry()));
        }
        if (route.cache() != null) {
            filters.add(new CacheFilter(route.name(), route.cache(), cache, metrics.registry()));
        } else if (anyCache) {
            // a write through this route must still drop what cached routes hold for the path
            filters.add(new WriteInvalidation(cache));
        }
        filters.add(new BodyLimitFilter(route.maxBodyBytes()));
        if (route.rewrite() != PathRewrite.NONE) {
            filters.add(new RewriteFilter(route.rewrite()));
        }
        if (route.isAsync()) {
            // a job, not a proxied call: stored and answered 202; the queue's workers call the upstream later
            filters.add(new JobIntakeFilter(route, config.jobs().queue(route.async().queue()).attempts(), jobs));
        } else {
            filters.add(new ProxyFilter(vertx, pool, route, trusted, clock));
        }
        return new CompiledRoute(route.name(), route, Chain.of(filters));
    }
}
