package dev.gatehouse.core.config;

import dev.gatehouse.core.cache.CachePolicy;
import dev.gatehouse.core.health.HealthPolicy;
import dev.gatehouse.core.identity.PublicKeys;
import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.core.route.PathPattern;
import dev.gatehouse.core.route.PathRewrite;
import dev.gatehouse.core.route.RouteRule;

import java.net.URI;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Builds a {@link GatewayConfig} from a parsed YAML tree, applying environment overrides and checking
 * every key. All problems are collected and reported together with their keys.
 */
public final class GatewayConfigReader {

    public static final int DEFAULT_GATEWAY_PORT = 8080;
    public static final int DEFAULT_ADMIN_PORT = 8081;
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
    public static final long DEFAULT_MAX_BODY_BYTES = 10L * 1024 * 1024;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_POOL_SIZE = 10;
    public static final int DEFAULT_RETRIES = 2;

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE");
    private static final Duration MAX_TIME = Duration.ofDays(1);
    /** {@code GATEHOUSE_*} variables that are not configuration keys: the launcher's and the logging's. */
    private static final Set<String> OTHER_VARIABLES = Set.of("GATEHOUSE_JAVA_OPTS", "GATEHOUSE_LOG_FORMAT", "GATEHOUSE_LOG_LEVEL");
    /** Addresses that listen on every interface. */
    private static final Set<String> ANY_ADDRESS = Set.of("0.0.0.0", "::", "0:0:0:0:0:0:0:0", "*");
    /** What {@code localhost} may resolve to. */
    private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "::1", "0:0:0:0:0:0:0:1");

    private GatewayConfigReader() {
    }

    /**
     * @param tree the parsed file (a mapping), or {@code null} for an empty file
     * @param source the file name used in messages
     * @param environment looks up {@code GATEHOUSE_*} overrides; may return null
     */
    public static GatewayConfig read(Object tree, String source, Function<String, String> environment)
            throws InvalidConfigException {
        return read(tree, source, environment, Set.of(), warning -> { });
    }

    /**
     * As {@link #read(Object, String, Function)}, with the whole environment at hand, and telling {@code warnings}
     * of what is allowed but likely a mistake: an empty file, or a {@code GATEHOUSE_*} variable that no key reads
     * (a misspelt one would otherwise be silently ignored).
     */
    public static GatewayConfig read(Object tree, String source, Map<String, String> environment, Consumer<ConfigProblem> warnings)
            throws InvalidConfigException {
        return read(tree, source, environment::get, environment.keySet(), warnings);
    }

    private static GatewayConfig read(Object tree, String source, Function<String, String> environment, Set<String> variables,
                                      Consumer<ConfigProblem> warnings) throws InvalidConfigException {
        if (tree != null && !(tree instanceof Map)) {
            throw new InvalidConfigException(source, List.of(new ConfigProblem("", "the file must be a YAML mapping at the top level")));
        }
        @SuppressWarnings("unchecked")
        ConfigNode root = ConfigNode.root((Map<String, Object>) tree, environment);

        GatewayListenerConfig gateway = gateway(root.child("gateway"));
        AdminListenerConfig admin = admin(root.child("admin"), gateway);
        StorageConfig storage = storage(root.child("storage"));
        RedisConfig redis = redis(root.child("redis"));
        Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
        root.children("upstreams").forEach((name, node) -> {
            UpstreamConfig upstream = upstream(name, node);
            if (upstream != null) {
                upstreams.put(name, upstream);
            }
        });
        List<RouteConfig> routes = routes(root, gateway, redis, upstreams);
        ObservabilityConfig observability = observability(root.child("observability"));
        IdentityConfig identity = identity(root.child("auth"));
        ConfigNode c = root.child("cache");
        CacheConfig cache = new CacheConfig(c.bytes("maxBytes", 64L * 1024 * 1024, 1024 * 1024, 1L << 40),
                c.duration("l1Ttl", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofHours(1)),
                c.bool("redis", true));
        c.rejectUnknownKeys();
        root.rejectUnknownKeys();

        if (!root.problems().isEmpty()) {
            throw new InvalidConfigException(source, root.problems());
        }
        if (tree == null || ((Map<?, ?>) tree).isEmpty()) {
            warnings.accept(new ConfigProblem("", "the file is empty: every setting takes its default and, with no route, "
                    + "the gateway answers every request with 404"));
        }
        for (String variable : new TreeSet<>(variables)) {
            if (variable.startsWith("GATEHOUSE_") && !variable.startsWith("GATEHOUSE_TEST_") && !OTHER_VARIABLES.contains(variable)
                    && !root.environmentVariables().contains(variable)) {
                String suggestion = Spelling.closest(variable, root.environmentVariables());
                warnings.accept(new ConfigProblem("", "matches no configuration key and is ignored"
                        + (suggestion == null ? " (keys inside routes and upstreams, and in blocks the file leaves out, cannot be set this way)"
                        : "; did you mean " + suggestion + "?"), variable));
            }
        }
        return new GatewayConfig(gateway, admin, storage, redis, upstreams, routes, observability, identity, cache);
    }

    private static GatewayListenerConfig gateway(ConfigNode n) {
        int maxConnections = n.integer("maxConnections", 10_000, 1, 1_000_000);
        GatewayListenerConfig config = new GatewayListenerConfig(
                n.string("host", "0.0.0.0"),
                n.integer("port", DEFAULT_GATEWAY_PORT, 0, 65535),
                n.integer("instances", 0, 0, 256),
                (int) n.bytes("maxHeaderBytes", DEFAULT_MAX_HEADER_BYTES, 1024, 1024 * 1024),
                n.bytes("maxBodyBytes", DEFAULT_MAX_BODY_BYTES, 0, 1L << 40),
                n.duration("requestTimeout", DEFAULT_REQUEST_TIMEOUT, Duration.ofMillis(1), MAX_TIME),
                n.duration("idleTimeout", Duration.ofSeconds(60), Duration.ofSeconds(1), MAX_TIME),
                n.duration("headerTimeout", Duration.ofSeconds(10), Duration.ofMillis(100), MAX_TIME),
                maxConnections,
                n.integer("maxConnectionsPerAddress", Math.min(1_000, maxConnections), 1, 1_000_000),
                n.integer("maxConnectionsPerProxy", maxConnections, 1, 1_000_000),
                n.integer("maxRequestsPerConnection", 10_000, 1, 1_000_000_000),
                n.duration("maxConnectionAge", Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofDays(365)),
                n.duration("sendTimeout", Duration.ofSeconds(60), Duration.ofMillis(100), MAX_TIME),
                n.strings("trustedProxies"),
                n.string("versionHeader", "Accept-Version"),
                n.oneOf("transport", "auto", GatewayListenerConfig.TRANSPORTS));
        try {
            dev.gatehouse.core.http.TrustedProxies.parse(config.trustedProxies());
        } catch (IllegalArgumentException e) {
            n.problem("trustedProxies", e.getMessage());
        }
        if (!TOKEN.matcher(config.versionHeader()).matches()) {
            n.problem("versionHeader", "'" + config.versionHeader() + "' is not a valid header name");
        }
        n.rejectUnknownKeys();
        return config;
    }

    private static AdminListenerConfig admin(ConfigNode n, GatewayListenerConfig gateway) {
        AdminListenerConfig config = new AdminListenerConfig(n.string("host", "127.0.0.1"),
                n.integer("port", DEFAULT_ADMIN_PORT, 0, 65535));
        if (config.port() != 0 && config.port() == gateway.port() && sameAddress(config.host(), gateway.host())) {
            // in one process the two servers would share the socket and take turns answering either listener's requests
            n.problem("port", "is " + config.port() + ", as gateway.port, and admin.host " + config.host() + " overlaps gateway.host "
                    + gateway.host() + ": the admin listener needs a port of its own");
        }
        n.rejectUnknownKeys();
        return config;
    }

    /** Whether two listen addresses can take the same connections: one is every interface, or both name the same one. */
    private static boolean sameAddress(String a, String b) {
        String x = a.toLowerCase(Locale.ROOT).replace("[", "").replace("]", "");
        String y = b.toLowerCase(Locale.ROOT).replace("[", "").replace("]", "");
        return ANY_ADDRESS.contains(x) || ANY_ADDRESS.contains(y) || x.equals(y)
                || x.equals("localhost") && LOOPBACK.contains(y) || y.equals("localhost") && LOOPBACK.contains(x);
    }

    private static StorageConfig storage(ConfigNode n) {
        ConfigNode pg = n.child("postgres");
        String url = pg.string("url", null);
        if (url != null && !url.startsWith("jdbc:postgresql:")) {
            pg.problem("url", "must be a JDBC URL starting with jdbc:postgresql:, got '" + url + "'");
        }
        StorageConfig config = new StorageConfig(url, pg.string("user", null), pg.string("password", null),
                pg.integer("poolSize", DEFAULT_POOL_SIZE, 1, 1000),
                pg.duration("connectionTimeout", Duration.ofSeconds(5), Duration.ofMillis(250), Duration.ofMinutes(5)),
                pg.string("dataDir", "./data/postgres"));
        pg.rejectUnknownKeys();
        n.rejectUnknownKeys();
        return config;
    }

    private static RedisConfig redis(ConfigNode n) {
        String url = n.string("url", null);
        if (url != null && !(url.startsWith("redis://") || url.startsWith("rediss://"))) {
            n.problem("url", "must start with redis:// or rediss://, got '" + url + "'");
        }
        RedisConfig config = new RedisConfig(url,
                n.duration("timeout", Duration.ofMillis(100), Duration.ofMillis(1), Duration.ofSeconds(30)),
                n.integer("poolSize", 16, 1, 1000),
                n.string("keyPrefix", "gh:"));
        n.rejectUnknownKeys();
        return config;
    }

    private static RateLimitConfig rateLimit(ConfigNode r, RedisConfig redis) {
        if (!r.has("rateLimit")) {
            return null;
        }
        ConfigNode n = r.child("rateLimit");
        Algorithm algorithm = Algorithm.fromConfigName(n.oneOf("algorithm", "gcra",
                "gcra", "token-bucket", "fixed-window", "sliding-log", "sliding-counter"));
        List<RateLimit> limits = new ArrayList<>();
        for (String text : n.strings("limits")) {
            try {
                limits.add(RateLimit.parse(text));
            } catch (IllegalArgumentException e) {
                n.problem("limits", e.getMessage());
            }
        }
        try {
            RateLimit.oneRatePerWindow(limits);
        } catch (IllegalArgumentException e) {
            n.problem("limits", e.getMessage());
        }
        boolean tiers = n.bool("tiers", limits.isEmpty());
        if (limits.isEmpty() && !tiers && n.problems().stream().noneMatch(p -> p.key().equals(n.key("limits")))) {
            n.problem("limits", "needs at least one rate, e.g. limits: [100/min], or tiers: true");
        }
        String mode = n.oneOf("mode", redis.enabled() ? "exact" : "local", "exact", "leased", "local");
        if (!mode.equals("local") && !redis.enabled()) {
            n.problem("mode", mode + " needs Redis (redis.url); use local for a single node");
        }
        if (!mode.equals("leased")) {
            for (String leaseKey : List.of("leaseSize", "leaseTtl")) {
                if (n.has(leaseKey)) {
                    n.problem(leaseKey, "applies to mode: leased only (this route's mode is " + mode + ")");
                }
            }
        }
        RateLimitConfig config = new RateLimitConfig(algorithm, limits, tiers, mode,
                n.oneOf("onRedisFailure", "open", "open", "closed"),
                n.integer("expectedNodes", 1, 1, 10_000),
                n.integer("cost", 1, 1, 1_000_000),
                n.integer("leaseSize", 0, 1, RateLimitConfig.MAX_LEASE),
                n.duration("leaseTtl", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(10)));
        for (RateLimit limit : limits) {
            if (algorithm == Algorithm.SLIDING_LOG && limit.limit() > Algorithm.MAX_SLIDING_LOG_LIMIT) {
                n.problem("limits", "'" + limit.text() + "' is more than a sliding log keeps (an entry per request, at most "
                        + Algorithm.MAX_SLIDING_LOG_LIMIT + " per window); use sliding-counter or gcra for larger limits");
            }
            if (config.cost() > limit.limit()) {
                n.problem("cost", "is " + config.cost() + ", more than the limit " + limit.limit() + ": no request could ever pass");
            }
        }
        n.rejectUnknownKeys();
        return config;
    }

    private static ObservabilityConfig observability(ConfigNode n) {
        String accessLog = n.string("accessLog", "stdout");
        if (accessLog.equals("false")) {
            accessLog = "off"; // YAML 1.1 reads a bare `off` as the boolean false
        }
        ObservabilityConfig config = new ObservabilityConfig(accessLog,
                n.integer("accessLogQueue", 65_536, 16, 16 * 1024 * 1024));
        n.rejectUnknownKeys();
        return config;
    }

    private static UpstreamConfig upstream(String name, ConfigNode n) {
        if (!NAME.matcher(name).matches()) {
            n.problem(null, "upstream name '" + name + "' must be lower-case letters, digits, '-' or '_' (at most 63)");
        }
        String balancer = n.oneOf("balancer", "least-connections", "least-connections", "round-robin");
        List<TargetConfig> targets = new ArrayList<>();
        List<ConfigNode> targetNodes = n.list("targets");
        if (targetNodes.isEmpty()) {
            n.problem("targets", "an upstream needs at least one target, e.g. - url: http://127.0.0.1:3001");
        }
        Set<String> seen = new HashSet<>();
        for (ConfigNode t : targetNodes) {
            TargetConfig target = target(t);
            if (target != null && !seen.add(target.address())) {
                t.problem("url", "target " + target.address() + " is listed twice");
            }
            if (target != null) {
                targets.add(target);
            }
        }

        HealthCheckConfig check = null;
        ConfigNode hc = n.child("healthCheck");
        int unhealthy = hc.integer("unhealthyThreshold", HealthPolicy.DEFAULT.unhealthyThreshold(), 1, 100);
        int healthy = hc.integer("healthyThreshold", HealthPolicy.DEFAULT.healthyThreshold(), 1, 100);
        if (n.has("healthCheck") && hc.bool("enabled", true)) {
            Duration interval = hc.duration("interval", Duration.ofSeconds(5), Duration.ofMillis(10), Duration.ofHours(1));
            Duration timeout = hc.duration("timeout", Duration.ofSeconds(2), Duration.ofMillis(10), Duration.ofMinutes(5));
            String path = hc.string("path", "/health/ready");
            if (!path.startsWith("/")) {
                hc.problem("path", "must start with '/', got '" + path + "'");
            }
            check = new HealthCheckConfig(path, interval, timeout);
        }
        hc.rejectUnknownKeys();

        ConfigNode passive = n.child("passive");
        HealthPolicy policy = new HealthPolicy(unhealthy, healthy,
                passive.integer("consecutiveFailures", HealthPolicy.DEFAULT.passiveFailures(), 0, 1000),
                passive.duration("ejectFor", HealthPolicy.DEFAULT.ejectFor(), Duration.ZERO, Duration.ofHours(1)));
        passive.rejectUnknownKeys();

        ConfigNode b = n.child("breaker");
        BreakerConfig breaker = new BreakerConfig(b.bool("enabled", true),
                (float) b.decimal("failureRateThreshold", 50, 1, 100),
                (float) b.decimal("slowCallRateThreshold", 100, 1, 100),
                b.duration("slowCallDuration", Duration.ofSeconds(10), Duration.ofMillis(1), MAX_TIME),
                b.integer("minimumCalls", 10, 1, 100_000),
                b.integer("window", 20, 1, 100_000),
                b.duration("openWait", Duration.ofSeconds(30), Duration.ofMillis(1), MAX_TIME),
                b.integer("halfOpenCalls", 3, 1, 10_000));
        if (breaker.minimumCalls() > breaker.window()) {
            b.problem("minimumCalls", "must not exceed window (" + breaker.window() + "), got " + breaker.minimumCalls());
        }
        b.rejectUnknownKeys();

        UpstreamConfig config = new UpstreamConfig(name, balancer, targets, check, policy, breaker,
                n.duration("connectTimeout", DEFAULT_CONNECT_TIMEOUT, Duration.ofMillis(1), Duration.ofMinutes(5)),
                n.integer("maxConnectionsPerTarget", 256, 1, 100_000));
        n.rejectUnknownKeys();
        return config;
    }

    private static TargetConfig target(ConfigNode t) {
        String url = t.requiredString("url");
        int weight = t.integer("weight", 1, 1, 1000);
        t.rejectUnknownKeys();
        if (url == null) {
            return null;
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                t.problem("url", "must be an http:// or https:// URL such as http://127.0.0.1:3001, got '" + url + "'");
                return null;
            }
            if (uri.getHost() == null) {
                t.problem("url", "has no host: '" + url + "'");
                return null;
            }
            if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
                t.problem("url", "must not have a path (use a route's rewrite instead), got '" + url + "'");
                return null;
            }
            int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
            return new TargetConfig(scheme, uri.getHost(), port, weight);
        } catch (java.net.URISyntaxException e) {
            t.problem("url", "is not a valid URL: " + e.getMessage());
            return null;
        }
    }

    private static List<RouteConfig> routes(ConfigNode root, GatewayListenerConfig gateway, RedisConfig redis,
                                            Map<String, UpstreamConfig> upstreams) {
        List<RouteConfig> routes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigNode r : root.list("routes")) {
            String name = r.requiredString("name");
            if (name != null && !NAME.matcher(name).matches()) {
                r.problem("name", "must be lower-case letters, digits, '-' or '_' (at most 63), got '" + name + "'");
            } else if (name != null && !names.add(name)) {
                r.problem("name", "route '" + name + "' is defined twice");
            }
            String upstream = r.requiredString("upstream");
            if (upstream != null && !upstreams.containsKey(upstream) && !root.problems().stream()
                    .anyMatch(p -> p.key().startsWith("upstreams." + upstream))) {
                r.problem("upstream", "no upstream named '" + upstream + "'"
                        + (upstreams.isEmpty() ? " (none are defined)" : "; defined: " + String.join(", ", upstreams.keySet())));
            }
            ConfigNode m = r.child("match");
            PathPattern pattern = pathPattern(m);
            Set<String> methods = new LinkedHashSet<>();
            for (String method : m.strings("methods")) {
                String upper = method.toUpperCase(Locale.ROOT);
                if (!METHODS.contains(upper)) {
                    m.problem("methods", "'" + method + "' is not an HTTP method; use " + String.join(", ", new java.util.TreeSet<>(METHODS)));
                } else {
                    methods.add(upper);
                }
            }
            String host = m.string("host", null);
            Map<String, String> headers = m.stringMap("headers");
            headers.keySet().stream().filter(h -> !TOKEN.matcher(h).matches())
                    .forEach(h -> m.problem("headers", "'" + h + "' is not a valid header name"));
            String version = m.string("version", null);
            m.rejectUnknownKeys();

            PathRewrite rewrite = rewrite(r, pattern);
            HeaderRules requestHeaders = headerRules(r.child("requestHeaders"));
            HeaderRules responseHeaders = headerRules(r.child("responseHeaders"));
            int maxHeader = (int) r.bytes("maxHeaderBytes", gateway.maxHeaderBytes(), 256, 1024 * 1024);
            if (maxHeader > gateway.maxHeaderBytes()) {
                r.problem("maxHeaderBytes", "must not exceed gateway.maxHeaderBytes (" + gateway.maxHeaderBytes()
                        + "): the listener refuses larger header blocks before any route is chosen");
            }
            long maxBody = r.bytes("maxBodyBytes", gateway.maxBodyBytes(), 0, 1L << 40);
            Duration timeout = r.duration("requestTimeout", gateway.requestTimeout(), Duration.ofMillis(1), MAX_TIME);
            Duration connectTimeout = r.has("connectTimeout")
                    ? r.duration("connectTimeout", DEFAULT_CONNECT_TIMEOUT, Duration.ofMillis(1), Duration.ofMinutes(5)) : null;
            int retries = r.integer("retries", DEFAULT_RETRIES, 0, 10);
            RateLimitConfig rateLimit = rateLimit(r, redis);
            AuthConfig auth = auth(r);
            RouteCacheConfig cache = routeCache(r);
            WebSocketConfig websocket = websocket(r);
            CompressionConfig compression = compression(r);
            r.rejectUnknownKeys();
            if (pattern != null && name != null) {
                RouteRule rule = new RouteRule(pattern, methods, host, headers, version, gateway.versionHeader());
                routes.add(new RouteConfig(name, rule, upstream, rewrite, requestHeaders, responseHeaders, maxHeader, maxBody,
                        timeout, connectTimeout, retries, rateLimit, auth, cache, websocket, compression));
            }
        }
        return routes;
    }

    /** {@code websocket: true}, or a mapping of its timeouts; absent or {@code false} refuses upgrades. */
    private static WebSocketConfig websocket(ConfigNode r) {
        if (!r.has("websocket")) {
            return null;
        }
        if (!r.isMapping("websocket")) {
            return r.bool("websocket", false)
                    ? new WebSocketConfig(WebSocketConfig.DEFAULT_IDLE_TIMEOUT, WebSocketConfig.DEFAULT_MAX_DURATION) : null;
        }
        ConfigNode n = r.child("websocket");
        WebSocketConfig config = new WebSocketConfig(
                n.duration("idleTimeout", WebSocketConfig.DEFAULT_IDLE_TIMEOUT, Duration.ofSeconds(1), Duration.ofDays(1)),
                n.duration("maxDuration", WebSocketConfig.DEFAULT_MAX_DURATION, Duration.ofSeconds(1), Duration.ofDays(30)));
        n.rejectUnknownKeys();
        return config;
    }

    /** {@code compression: true}, or a mapping of its settings; absent or {@code false} sends answers as they are. */
    private static CompressionConfig compression(ConfigNode r) {
        if (!r.has("compression")) {
            return null;
        }
        if (!r.isMapping("compression")) {
            return r.bool("compression", false) ? CompressionConfig.DEFAULTS : null;
        }
        ConfigNode n = r.child("compression");
        long minBytes = n.bytes("minBytes", CompressionConfig.DEFAULT_MIN_BYTES, 0, 1L << 30);
        List<String> types = n.has("types") ? n.strings("types") : CompressionConfig.DEFAULT_TYPES;
        for (String type : types) {
            if (!type.matches("[A-Za-z0-9!#$&^_.+-]+/([A-Za-z0-9!#$&^_.+-]+|\\*)")) {
                n.problem("types", "'" + type + "' is not a media type (type/subtype, or type/* for a family)");
            }
        }
        if (types.isEmpty()) {
            n.problem("types", "must name at least one media type");
            types = CompressionConfig.DEFAULT_TYPES;
        }
        int level = n.integer("level", CompressionConfig.DEFAULT_LEVEL, 1, 9);
        n.rejectUnknownKeys();
        return new CompressionConfig(minBytes, types, level);
    }

    private static RouteCacheConfig routeCache(ConfigNode r) {
        if (!r.has("cache")) {
            return null;
        }
        ConfigNode n = r.child("cache");
        Duration ttl = n.duration("ttl", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofDays(1));
        Duration maxTtl = n.duration("maxTtl", Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofDays(7));
        if (ttl.compareTo(maxTtl) > 0) {
            n.problem("ttl", "must not exceed maxTtl (" + ConfigNode.human(maxTtl) + ")");
            ttl = maxTtl;
        }
        boolean isPublic = n.bool("public", false);
        boolean perCaller = n.bool("perCaller", false);
        if (isPublic && perCaller) {
            n.problem("perCaller", "give public or perCaller, not both");
        }
        Duration swr = n.duration("staleWhileRevalidate", Duration.ZERO, Duration.ZERO, Duration.ofDays(1));
        Duration sie = n.duration("staleIfError", Duration.ZERO, Duration.ZERO, Duration.ofDays(1));
        Duration longestDefault = swr.compareTo(sie) > 0 ? swr : sie;
        Duration maxStale = n.duration("maxStale", longestDefault, Duration.ZERO, Duration.ofDays(1));
        if (longestDefault.compareTo(maxStale) > 0) {
            n.problem("maxStale", "must be at least staleWhileRevalidate and staleIfError (" + ConfigNode.human(longestDefault) + ")");
            maxStale = longestDefault;
        }
        RouteCacheConfig config = new RouteCacheConfig(
                new CachePolicy(ttl, maxTtl, isPublic, perCaller, maxStale, swr, sie),
                n.bytes("maxEntryBytes", 1024 * 1024, 1, 64L * 1024 * 1024));
        n.rejectUnknownKeys();
        return config;
    }

    private static AuthConfig auth(ConfigNode r) {
        if (!r.has("auth")) {
            return AuthConfig.NONE;
        }
        ConfigNode n = r.child("auth");
        String mode = n.oneOf("mode", "required", "none", "optional", "required");
        List<String> accept = n.has("accept") ? n.strings("accept") : List.of("api-key", "session");
        for (String type : accept) {
            if (!type.equals("api-key") && !type.equals("session") && !type.equals("jwt")) {
                n.problem("accept", "'" + type + "' is not a credential type; use api-key, session or jwt");
            }
        }
        String role = n.has("role") ? n.oneOf("role", "user", "admin", "user") : null;
        List<String> scopes = n.strings("scopes");
        if (mode.equals("none") && !scopes.isEmpty()) {
            n.problem("scopes", "need auth mode required or optional: with none nobody is authenticated to have them");
        }
        n.rejectUnknownKeys();
        return new AuthConfig(mode, accept, scopes, role);
    }

    private static final Set<String> JWT_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512");

    private static JwtConfig jwt(ConfigNode n) {
        String issuer = n.requiredString("issuer");
        List<String> audiences = n.strings("audience");
        if (audiences.isEmpty()) {
            n.problem("audience", "is required: tokens must be meant for this API");
        }
        List<String> algorithms = n.has("algorithms") ? n.strings("algorithms") : List.of("RS256", "ES256");
        if (algorithms.isEmpty()) {
            n.problem("algorithms", "needs at least one algorithm, e.g. [RS256, ES256]");
        }
        for (String alg : algorithms) {
            if (!JWT_ALGORITHMS.contains(alg)) {
                n.problem("algorithms", "'" + alg + "' is not allowed; use asymmetric algorithms only: " + String.join(", ", new java.util.TreeSet<>(JWT_ALGORITHMS)));
            }
        }
        String jwksUrl = n.string("jwksUrl", null);
        // each entry a PEM, or {kid, pem} for a key that tokens name by kid
        List<ConfigNode> entries = n.list("publicKeys", "pem");
        if ((jwksUrl == null) == entries.isEmpty()) {
            n.problem(null, "needs exactly one of jwksUrl or publicKeys (PEM)");
        }
        List<JwtConfig.SigningKey> keys = new ArrayList<>();
        Map<String, Integer> kids = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            ConfigNode entry = entries.get(i);
            String kid = entry.string("kid", null);
            String pem = entry.requiredString("pem");
            entry.rejectUnknownKeys();
            Integer first = kid == null ? null : kids.putIfAbsent(kid, i);
            if (first != null) {
                entry.problem("kid", "'" + kid + "' is publicKeys[" + first + "]'s kid too; a kid names one key");
            }
            if (pem == null) {
                continue;
            }
            try {
                PublicKey key = PublicKeys.parse(pem);
                if (algorithms.stream().noneMatch(alg -> PublicKeys.fits(key, alg))) {
                    n.problem("publicKeys[" + i + "]", "is an " + key.getAlgorithm() + " key, which none of the algorithms "
                            + algorithms + " can verify");
                }
            } catch (IllegalArgumentException e) {
                n.problem("publicKeys[" + i + "]", e.getMessage());
            }
            keys.add(new JwtConfig.SigningKey(kid, pem));
        }
        if (jwksUrl != null && !jwksUrl.startsWith("https://") && !jwksUrl.startsWith("http://")) {
            n.problem("jwksUrl", "must be an http(s) URL, got '" + jwksUrl + "'");
        }
        JwtConfig config = new JwtConfig(issuer, audiences, algorithms, jwksUrl, keys,
                n.duration("clockSkew", Duration.ofSeconds(30), Duration.ZERO, Duration.ofMinutes(5)),
                n.string("tierClaim", "tier"), n.string("scopeClaim", "scope"));
        n.rejectUnknownKeys();
        return config;
    }

    private static IdentityConfig identity(ConfigNode n) {
        String basePath = n.string("basePath", "/api/v1");
        if (!basePath.startsWith("/") || basePath.endsWith("/")) {
            n.problem("basePath", "must start with '/' and not end with one, e.g. /api/v1; got '" + basePath + "'");
        }
        ConfigNode bootstrap = n.child("bootstrapAdmin");
        String email = bootstrap.string("email", null);
        String password = bootstrap.string("password", null);
        if ((email == null) != (password == null)) {
            bootstrap.problem(null, "needs both email and password (e.g. from GATEHOUSE_AUTH_BOOTSTRAP_ADMIN_EMAIL and _PASSWORD)");
        }
        if (password != null && password.length() < 12) {
            bootstrap.problem("password", "must be at least 12 characters");
        }
        bootstrap.rejectUnknownKeys();
        JwtConfig jwt = n.has("jwt") ? jwt(n.child("jwt")) : null;
        IdentityConfig config = new IdentityConfig(
                n.integer("passwordIterations", 600_000, 100_000, 10_000_000),
                n.duration("sessionTtl", Duration.ofHours(24), Duration.ofMinutes(1), Duration.ofDays(90)),
                n.bool("endpoints", false), basePath, email == null ? null : email.toLowerCase(Locale.ROOT), password, jwt);
        n.rejectUnknownKeys();
        return config;
    }

    private static PathPattern pathPattern(ConfigNode m) {
        List<String> kinds = new ArrayList<>();
        for (String kind : List.of("prefix", "exact", "template")) {
            if (m.has(kind)) {
                kinds.add(kind);
            }
        }
        if (kinds.size() != 1) {
            m.problem(null, kinds.isEmpty()
                    ? "needs exactly one of prefix, exact or template, e.g. prefix: /api/v1"
                    : "has " + String.join(" and ", kinds) + "; give exactly one");
            kinds.forEach(k -> m.string(k, null));
            return null;
        }
        String kind = kinds.get(0);
        String value = m.string(kind, null);
        if (value == null) {
            return null;
        }
        if (!value.startsWith("/")) {
            m.problem(kind, "must start with '/', got '" + value + "'");
            return null;
        }
        try {
            return switch (kind) {
                case "prefix" -> PathPattern.prefix(value);
                case "exact" -> PathPattern.exact(value);
                default -> PathPattern.template(value);
            };
        } catch (IllegalArgumentException e) {
            m.problem(kind, e.getMessage());
            return null;
        }
    }

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

    private static HeaderRules headerRules(ConfigNode n) {
        HeaderRules rules = new HeaderRules(n.strings("remove"), n.stringMap("set"), n.stringMap("add"));
        for (String name : rules.remove()) {
            if (!TOKEN.matcher(name).matches()) {
                n.problem("remove", "'" + name + "' is not a valid header name");
            }
        }
        for (String name : rules.set().keySet()) {
            if (!TOKEN.matcher(name).matches()) {
                n.problem("set", "'" + name + "' is not a valid header name");
            }
        }
        for (String name : rules.add().keySet()) {
            if (!TOKEN.matcher(name).matches()) {
                n.problem("add", "'" + name + "' is not a valid header name");
            }
        }
        n.rejectUnknownKeys();
        return rules;
    }
}
