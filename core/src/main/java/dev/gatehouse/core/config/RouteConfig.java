package dev.gatehouse.core.config;

import dev.gatehouse.core.route.PathRewrite;
import dev.gatehouse.core.route.RouteRule;

import java.time.Duration;

/**
 * One route: what it matches, where it sends the request and how.
 *
 * @param retries extra attempts on other targets (only when safe: see the proxy's retry rules)
 */
public record RouteConfig(String name, RouteRule rule, String upstream, PathRewrite rewrite,
                          HeaderRules requestHeaders, HeaderRules responseHeaders, long maxBodyBytes,
                          Duration requestTimeout, int retries) {
}
