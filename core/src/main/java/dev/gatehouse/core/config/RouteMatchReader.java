package dev.gatehouse.core.config;

import dev.gatehouse.core.route.PathPattern;
import dev.gatehouse.core.route.RouteRule;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Reads a route's {@code match}: one path pattern, and optional methods, host, headers and version. */
final class RouteMatchReader {

    private RouteMatchReader() {
    }

    /** The route's rule, or null when its path pattern is missing or invalid (the problem is recorded). */
    static RouteRule read(ConfigNode m, String versionHeader) {
        PathPattern pattern = pathPattern(m);
        Set<String> methods = new LinkedHashSet<>();
        for (String method : m.strings("methods")) {
            String upper = method.toUpperCase(Locale.ROOT);
            if (!ReaderRules.METHODS.contains(upper)) {
                m.problem("methods", "'" + method + "' is not an HTTP method; use " + String.join(", ", new TreeSet<>(ReaderRules.METHODS)));
            } else {
                methods.add(upper);
            }
        }
        String host = m.string("host", null);
        Map<String, String> headers = m.stringMap("headers");
        headers.keySet().stream().filter(h -> !ReaderRules.isHeaderName(h))
                .forEach(h -> m.problem("headers", "'" + h + "' is not a valid header name"));
        String version = m.string("version", null);
        m.rejectUnknownKeys();
        return pattern == null ? null : new RouteRule(pattern, methods, host, headers, version, versionHeader);
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
}
