package dev.gatehouse.core.config;

import dev.gatehouse.core.route.PathPattern;
import dev.gatehouse.core.route.PathRewrite;
import dev.gatehouse.core.route.RouteRule;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads {@code routes}: each route's name, match, upstream and rewrite, the limits it inherits from the
 * listener, and its policies (rate limit, auth, cache, WebSocket), each read by a reader of its own.
 */
final class RouteReader {

    private RouteReader() {
    }

    /** @param upstreams the names of the upstreams the file defines, valid or not */
    static List<RouteConfig> readAll(ConfigNode root, GatewayListenerConfig gateway, RedisConfig redis, Set<String> upstreams) {
        List<RouteConfig> routes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigNode r : root.list("routes")) {
            RouteConfig route = read(r, root, names, gateway, redis, upstreams);
            if (route != null) {
                routes.add(route);
            }
        }
        return routes;
    }

    /** One route, or null when it has no usable name, upstream or path (the problem is recorded). */
    private static RouteConfig read(ConfigNode r, ConfigNode root, Set<String> names, GatewayListenerConfig gateway,
                                    RedisConfig redis, Set<String> upstreams) {
        String name = r.requiredString("name");
        if (name != null && !ReaderRules.NAME.matcher(name).matches()) {
            r.problem("name", "must be lower-case letters, digits, '-' or '_' (at most 63), got '" + name + "'");
        } else if (name != null && !names.add(name)) {
            r.problem("name", "route '" + name + "' is defined twice");
        }
        String upstream = r.requiredString("upstream");
        if (upstream != null && !upstreams.contains(upstream) && !root.problems().stream()
                .anyMatch(p -> p.key().startsWith("upstreams." + upstream))) {
            r.problem("upstream", "no upstream named '" + upstream + "'"
                    + (upstreams.isEmpty() ? " (none are defined)" : "; defined: " + String.join(", ", upstreams)));
        }
        RouteRule rule = RouteMatchReader.read(r.child("match"), gateway.versionHeader());
        PathRewrite rewrite = rewrite(r, rule == null ? null : rule.path());
        HeaderRules requestHeaders = HeaderRulesReader.read(r.child("requestHeaders"));
        HeaderRules responseHeaders = HeaderRulesReader.read(r.child("responseHeaders"));
        int maxHeader = (int) r.bytes("maxHeaderBytes", gateway.maxHeaderBytes(), 256, 1024 * 1024);
        if (maxHeader > gateway.maxHeaderBytes()) {
            r.problem("maxHeaderBytes", "must not exceed gateway.maxHeaderBytes (" + gateway.maxHeaderBytes()
                    + "): the listener refuses larger header blocks before any route is chosen");
        }
        long maxBody = r.bytes("maxBodyBytes", gateway.maxBodyBytes(), 0, 1L << 40);
        Duration timeout = r.duration("requestTimeout", gateway.requestTimeout(), Duration.ofMillis(1), ReaderRules.MAX_TIME);
        Duration connectTimeout = r.has("connectTimeout")
                ? r.duration("connectTimeout", UpstreamConfig.DEFAULT_CONNECT_TIMEOUT, Duration.ofMillis(1), Duration.ofMinutes(5)) : null;
        int retries = r.integer("retries", RouteConfig.DEFAULT_RETRIES, 0, 10);
        RateLimitConfig rateLimit = RateLimitReader.read(r, redis);
        AuthConfig auth = AuthReader.read(r);
        if (auth.accept().contains(CredentialType.CLIENT_CERT) && (gateway.tls() == null || !gateway.tls().asksForClientCertificates())) {
            r.problem("auth.accept", "client-cert needs the listener to ask for client certificates: set gateway.tls.clientAuth "
                    + "to request (or require) and gateway.tls.clientCa");
        }
        RouteCacheConfig cache = RouteCacheReader.read(r);
        WebSocketConfig websocket = WebSocketReader.read(r);
        CompressionConfig compression = CompressionReader.read(r);
        RequestLogPolicy log = LogsReader.route(r);
        IpRules ip = IpRulesReader.read(r);
        CorsConfig cors = CorsReader.read(r);
        AsyncConfig async = AsyncReader.read(r, maxBody);
        if (async != null) {
            if (auth.none()) {
                r.problem("async", "needs auth (mode required or optional): a job is readable by its submitter alone, so the "
                        + "gateway must know who submitted it");
                async = null;
            } else if (cache != null) {
                r.problem("cache", "does not apply to an async route: its answers are 202s for new jobs");
            } else if (websocket != null) {
                r.problem("websocket", "does not apply to an async route: a job is one request and one answer");
            }
        }
        r.rejectUnknownKeys();
        if (rule == null || name == null || upstream == null) {
            return null;
        }
        return new RouteConfig(name, rule, upstream, rewrite, requestHeaders, responseHeaders, maxHeader, maxBody,
                timeout, connectTimeout, retries, rateLimit, auth, cache, websocket, compression, log, ip, cors, async);
    }

    /** {@code stripPrefix} or {@code rewrite}: how the matched path becomes the upstream's. */
    private static PathRewrite rewrite(ConfigNode r, PathPattern pattern) {
        boolean strip = r.bool("stripPrefix", false);
        String target = r.string("rewrite", null);
        if (strip && target != null) {
            r.problem("rewrite", "give either stripPrefix or rewrite, not both");
            return PathRewrite.NONE;
        }
        if (strip) {
            if (!(pattern instanceof PathPattern.Prefix prefix)) {
                r.problem("stripPrefix", "only applies to a route matched by prefix");
                return PathRewrite.NONE;
            }
            return PathRewrite.stripPrefix(prefix.prefix());
        }
        if (target != null) {
            if (!target.startsWith("/")) {
                r.problem("rewrite", "must start with '/', got '" + target + "'");
                return PathRewrite.NONE;
            }
            for (String variable : PathRewrite.variablesIn(target)) {
                if (pattern == null || !pattern.source().contains("{" + variable + "}")) {
                    r.problem("rewrite", "uses {" + variable + "} but the route's match does not capture it");
                }
            }
            return PathRewrite.template(target);
        }
        return PathRewrite.NONE;
    }
}
