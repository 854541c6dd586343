package dev.gatehouse.core.config;

import java.util.List;
import java.util.Map;

/** A whole, validated Gatehouse configuration. Immutable; a reload builds a new one. */
public record GatewayConfig(GatewayListenerConfig gateway, AdminListenerConfig admin, StorageConfig storage,
                            RedisConfig redis, Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes,
                            ObservabilityConfig observability, IdentityConfig identity,
                            CacheConfig cache) {

    public GatewayConfig {
        upstreams = Map.copyOf(upstreams);
        routes = List.copyOf(routes);
    }
}
