package dev.gatehouse.core.config;

import dev.gatehouse.core.ratelimit.RateLimit;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A whole, validated Gatehouse configuration. Immutable; a reload builds a new one. */
public record GatewayConfig(GatewayListenerConfig gateway, AdminListenerConfig admin, StorageConfig storage,
                            RedisConfig redis, Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes,
                            ObservabilityConfig observability, IdentityConfig identity,
                            CacheConfig cache, LogsConfig logs, AdminViewsConfig adminViews,
                            JobsConfig jobs) {

    public GatewayConfig {
        Require.notNull("gateway", gateway);
        Require.notNull("admin", admin);
        Require.notNull("storage", storage);
        Require.notNull("redis", redis);
        upstreams = Require.map("upstreams", upstreams);
        routes = Require.list("routes", routes);
        Require.notNull("observability", observability);
        Require.notNull("identity", identity);
        Require.notNull("cache", cache);
        Require.notNull("logs", logs);
        Require.notNull("adminViews", adminViews);
        Require.notNull("jobs", jobs);
        Set<String> names = new HashSet<>();
        for (RouteConfig route : routes) {
            if (!names.add(route.name())) {
                throw new IllegalArgumentException("routes must have distinct names, got '" + route.name() + "' twice");
            }
            if (!upstreams.containsKey(route.upstream())) {
                throw new IllegalArgumentException("route '" + route.name() + "' names upstream '" + route.upstream()
                        + "', which is not in upstreams " + upstreams.keySet());
            }
        }
        Map<String, String> queues = new java.util.HashMap<>();
        for (RouteConfig route : routes) {
            if (route.isAsync()) {
                String other = queues.putIfAbsent(route.async().queue(), route.upstream());
                if (other != null && !other.equals(route.upstream())) {
                    throw new IllegalArgumentException("queue '" + route.async().queue() + "' is fed by routes of upstreams '" + other
                            + "' and '" + route.upstream() + "'; a queue's workers call one upstream");
                }
            }
        }
    }

    /** Each queue that async routes send jobs to, with the upstream its workers call, in the order routes name them. */
    public Map<String, String> queueUpstreams() {
        Map<String, String> queues = new java.util.LinkedHashMap<>();
        for (RouteConfig route : routes) {
            if (route.isAsync()) {
                queues.putIfAbsent(route.async().queue(), route.upstream());
            }
        }
        return queues;
    }

    /**
     * What {@code who}, held to {@code limits} (a tier, or a key's override), could never pass: one line for
     * each route that applies tier limits and costs more a request than one of them allows.
     */
    public List<String> unpassableRoutes(List<RateLimit> limits, String who) {
        List<String> lines = new ArrayList<>();
        for (RouteConfig route : routes) {
            RateLimit below = route.rateLimit() != null && route.rateLimit().tiers() ? route.rateLimit().belowCost(limits) : null;
            if (below != null) {
                lines.add("route '" + route.name() + "' costs " + route.rateLimit().cost() + " a request, more than '"
                        + below.text() + "': " + who + " can never pass it");
            }
        }
        return lines;
    }
}
