package dev.gatehouse.server.routing;

import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.core.http.TrustedProxies;
import dev.gatehouse.core.route.RouteTable;
import dev.gatehouse.server.pipeline.CompiledRoute;

/**
 * Everything a request needs from configuration, swapped atomically on reload: requests that started
 * on the old snapshot finish on it, new ones use the new one, and none is dropped.
 */
public record RoutingSnapshot(GatewayConfig config, RouteTable<CompiledRoute> routes, CompiledRoute unrouted,
                              TrustedProxies trustedProxies) {
}
