package dev.gatehouse.core.config;

import dev.gatehouse.core.route.PathRewrite;
import dev.gatehouse.core.route.RouteRule;

import java.time.Duration;

/**
 * One route: what it matches, where it sends the request and how.
 *
 * @param maxHeaderBytes the largest request header block this route accepts (at most the listener's)
 * @param connectTimeout how long to wait for a connection to a target; {@code null} uses the upstream's
 * @param retries extra attempts on other targets (only when safe: see the proxy's retry rules)
 * @param rateLimit the route's rate limit, or {@code null} for none
 * @param auth who may call the route
 * @param cache the route's response cache, or {@code null} for none
 * @param websocket the route's WebSocket upgrades, or {@code null} to refuse them
 * @param compression the route's response compression, or {@code null} for none
 * @param log the route's share in the request log
 * @param ip which client addresses may call the route, besides the gateway's own rules
 * @param cors the route's CORS policy, or {@code null} for none
 * @param async the route's job intake, or {@code null} when it proxies
 */
public record RouteConfig(String name, RouteRule rule, String upstream, PathRewrite rewrite,
                          HeaderRules requestHeaders, HeaderRules responseHeaders, int maxHeaderBytes,
                          long maxBodyBytes, Duration requestTimeout, Duration connectTimeout, int retries,
                          RateLimitConfig rateLimit, AuthConfig auth,
                          RouteCacheConfig cache, WebSocketConfig websocket, CompressionConfig compression,
                          RequestLogPolicy log, IpRules ip, CorsConfig cors, AsyncConfig async) {

    public static final int DEFAULT_RETRIES = 2;

    public RouteConfig {
        Require.notBlank("name", name);
        Require.notNull("rule", rule);
        Require.notBlank("upstream", upstream);
        Require.notNull("rewrite", rewrite);
        Require.notNull("requestHeaders", requestHeaders);
        Require.notNull("responseHeaders", responseHeaders);
        Require.atLeast("maxHeaderBytes", maxHeaderBytes, 1);
        Require.atLeast("maxBodyBytes", maxBodyBytes, 0);
        Require.positive("requestTimeout", requestTimeout);
        if (connectTimeout != null) {
            Require.positive("connectTimeout", connectTimeout);
        }
        Require.atLeast("retries", retries, 0);
        Require.notNull("auth", auth);
        Require.notNull("log", log);
        Require.notNull("ip", ip);
        if (async != null && auth.none()) {
            throw new IllegalArgumentException("an async route needs auth (required or optional): a job is readable by its submitter alone");
        }
    }

    public boolean isAsync() {
        return async != null;
    }
}
