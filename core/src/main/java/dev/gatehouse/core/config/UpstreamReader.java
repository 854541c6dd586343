package dev.gatehouse.core.config;

import dev.gatehouse.core.balance.BalancerType;
import dev.gatehouse.core.health.HealthPolicy;
import dev.gatehouse.core.ratelimit.RateLimit;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reads one entry of {@code upstreams}: its targets, health checks, passive ejection and breaker. */
final class UpstreamReader {

    private UpstreamReader() {
    }

    /** The upstream, or null when it has a problem (recorded under its key). */
    static UpstreamConfig read(String name, ConfigNode n) {
        int problems = n.problems().size();
        if (!ReaderRules.NAME.matcher(name).matches()) {
            n.problem(null, "upstream name '" + name + "' must be lower-case letters, digits, '-' or '_' (at most 63)");
        }
        BalancerType balancer = n.oneOf("balancer", UpstreamConfig.DEFAULT_BALANCER, BalancerType::configName, List.of(BalancerType.values()));
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
            Duration interval = hc.duration("interval", HealthCheckConfig.DEFAULT_INTERVAL, Duration.ofMillis(10), Duration.ofHours(1));
            Duration timeout = hc.duration("timeout", HealthCheckConfig.DEFAULT_TIMEOUT, Duration.ofMillis(10), Duration.ofMinutes(5));
            String path = hc.string("path", HealthCheckConfig.DEFAULT_PATH);
            if (!path.startsWith("/")) {
                hc.problem("path", "must start with '/', got '" + path + "'");
            } else {
                check = new HealthCheckConfig(path, interval, timeout);
            }
        }
        hc.rejectUnknownKeys();

        ConfigNode passive = n.child("passive");
        HealthPolicy policy = new HealthPolicy(unhealthy, healthy,
                passive.integer("consecutiveFailures", HealthPolicy.DEFAULT.passiveFailures(), 0, 1000),
                passive.duration("ejectFor", HealthPolicy.DEFAULT.ejectFor(), Duration.ZERO, Duration.ofHours(1)));
        passive.rejectUnknownKeys();

        BreakerConfig breaker = breaker(n.child("breaker"));
        Duration connectTimeout = n.duration("connectTimeout", UpstreamConfig.DEFAULT_CONNECT_TIMEOUT, Duration.ofMillis(1), Duration.ofMinutes(5));
        int maxConnectionsPerTarget = n.integer("maxConnectionsPerTarget", UpstreamConfig.DEFAULT_MAX_CONNECTIONS_PER_TARGET, 1, 100_000);
        UpstreamConfig.Protocol protocol = n.oneOf("protocol", UpstreamConfig.DEFAULT_PROTOCOL, UpstreamConfig.Protocol::configName,
                List.of(UpstreamConfig.Protocol.values()));
        for (int i = 0; i < targets.size(); i++) {
            TargetConfig target = targets.get(i);
            if (protocol == UpstreamConfig.Protocol.H2 && !target.tls()) {
                n.problem("protocol", "h2 is HTTP/2 over TLS: target " + target.address() + " must be an https:// URL (h2c is HTTP/2 in clear)");
            } else if (protocol == UpstreamConfig.Protocol.H2C && target.tls()) {
                n.problem("protocol", "h2c is HTTP/2 in clear: target " + target.address() + " must be an http:// URL (h2 is HTTP/2 over TLS)");
            }
        }
        QuotaConfig quota = quota(n);
        n.rejectUnknownKeys();
        // the file is refused anyway; an upstream with a problem (no target, say) is one no node could run with
        return n.problems().size() > problems ? null
                : new UpstreamConfig(name, balancer, targets, check, policy, breaker, connectTimeout, maxConnectionsPerTarget, protocol, quota);
    }

    /** {@code quota}: the third party's windows, e.g. {@code [1000/min, 50000/hour]} (or {@code 100/10s}), and the share to use. */
    private static QuotaConfig quota(ConfigNode n) {
        if (!n.has("quota")) {
            return null;
        }
        ConfigNode q = n.child("quota");
        int problems = q.problems().size();
        List<RateLimit> limits = new ArrayList<>();
        for (String text : q.strings("limits")) {
            try {
                RateLimit limit = quotaWindow(text);
                if (limit.limit() < 2) {
                    q.problem("limits", "'" + text + "' leaves no margin under the third party's limit; give a longer window with at least 2 calls");
                } else {
                    limits.add(limit);
                }
            } catch (IllegalArgumentException e) {
                q.problem("limits", e.getMessage());
            }
        }
        try {
            RateLimit.oneRatePerWindow(limits);
        } catch (IllegalArgumentException e) {
            q.problem("limits", e.getMessage());
        }
        if (limits.isEmpty() && q.problems().size() == problems) {
            q.problem("limits", "needs at least one window, e.g. limits: [1000/min, 50000/hour]");
        }
        double target = JobsReader.percent(q, "target", QuotaConfig.DEFAULT_TARGET, 0.01, 0.99);
        q.rejectUnknownKeys();
        return q.problems().size() > problems ? null : new QuotaConfig(limits, target);
    }

    /** {@code 1000/min}, {@code 50000/hour}, {@code 500000/day}, or any window as a duration: {@code 100/10s}, {@code 300/5m}. */
    static RateLimit quotaWindow(String text) {
        String[] parts = text.trim().split("\\s*/\\s*");
        if (parts.length == 2 && parts[1].matches("\\d+\\s*(ms|s|m|h|d)") && parts[0].matches("\\d{1,10}")) {
            java.math.BigInteger millis = ConfigNode.durationMillis(parts[1].replace(" ", ""));
            if (millis == null || millis.signum() <= 0 || millis.compareTo(java.math.BigInteger.valueOf(java.time.Duration.ofDays(366).toMillis())) > 0) {
                throw new IllegalArgumentException("'" + text + "' has a window outside 1ms to 366d");
            }
            return new RateLimit(Long.parseLong(parts[0]), Duration.ofMillis(millis.longValueExact()));
        }
        return RateLimit.parse(text);
    }

    private static BreakerConfig breaker(ConfigNode b) {
        boolean enabled = b.bool("enabled", BreakerConfig.DEFAULT_ENABLED);
        float failureRate = (float) b.decimal("failureRateThreshold", BreakerConfig.DEFAULT_FAILURE_RATE_THRESHOLD, 1, 100);
        float slowCallRate = (float) b.decimal("slowCallRateThreshold", BreakerConfig.DEFAULT_SLOW_CALL_RATE_THRESHOLD, 1, 100);
        Duration slowCall = b.duration("slowCallDuration", BreakerConfig.DEFAULT_SLOW_CALL_DURATION, Duration.ofMillis(1), ReaderRules.MAX_TIME);
        int minimumCalls = b.integer("minimumCalls", BreakerConfig.DEFAULT_MINIMUM_CALLS, 1, 100_000);
        int window = b.integer("window", BreakerConfig.DEFAULT_WINDOW, 1, 100_000);
        Duration openWait = b.duration("openWait", BreakerConfig.DEFAULT_OPEN_WAIT, Duration.ofMillis(1), ReaderRules.MAX_TIME);
        int halfOpenCalls = b.integer("halfOpenCalls", BreakerConfig.DEFAULT_HALF_OPEN_CALLS, 1, 10_000);
        if (minimumCalls > window) {
            b.problem("minimumCalls", "must not exceed window (" + window + "), got " + minimumCalls);
            minimumCalls = window;
        }
        b.rejectUnknownKeys();
        return new BreakerConfig(enabled, failureRate, slowCallRate, slowCall, minimumCalls, window, openWait, halfOpenCalls);
    }

    private static TargetConfig target(ConfigNode t) {
        String url = t.requiredString("url");
        int weight = t.integer("weight", TargetConfig.DEFAULT_WEIGHT, 1, 1000);
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
            if (port > 65535) {
                t.problem("url", "has port " + port + ", outside 1..65535: '" + url + "'");
                return null;
            }
            return new TargetConfig(scheme, uri.getHost(), port, weight);
        } catch (URISyntaxException e) {
            t.problem("url", "is not a valid URL: " + e.getMessage());
            return null;
        }
    }
}
