package dev.gatehouse.core.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads a route's {@code cors}. */
final class CorsReader {

    private CorsReader() {
    }

    /** The route's CORS policy, or null when it has none (cross-origin browsers then get no CORS headers). */
    static CorsConfig read(ConfigNode r) {
        if (!r.has("cors")) {
            return null;
        }
        ConfigNode n = r.child("cors");
        List<String> origins = new ArrayList<>();
        for (String origin : n.strings("origins")) {
            if (origin.equals("*") || origin.matches("(?i)https?://(\\*\\.)?[a-z0-9.-]+(:[0-9]{1,5})?")) {
                origins.add(origin);
            } else {
                n.problem("origins", "'" + origin + "' is not an origin: scheme://host[:port], with at most a leading *. in the host, or *");
            }
        }
        if (origins.isEmpty() && !n.problems().stream().anyMatch(p -> p.key().startsWith(n.key("origins")))) {
            n.problem("origins", "must name at least one origin (or *)");
        }
        List<String> methods = n.has("methods") ? n.strings("methods") : CorsConfig.DEFAULT_METHODS;
        for (String method : methods) {
            if (!ReaderRules.METHODS.contains(method.toUpperCase(Locale.ROOT))) {
                n.problem("methods", "'" + method + "' is not an HTTP method");
            }
        }
        List<String> headers = n.has("headers") ? n.strings("headers") : CorsConfig.DEFAULT_HEADERS;
        List<String> expose = n.has("exposeHeaders") ? n.strings("exposeHeaders") : CorsConfig.DEFAULT_EXPOSE_HEADERS;
        for (String header : headers) {
            if (!header.equals("*") && !ReaderRules.isHeaderName(header)) {
                n.problem("headers", "'" + header + "' is not a header name (or *)");
            }
        }
        for (String header : expose) {
            if (!ReaderRules.isHeaderName(header)) {
                n.problem("exposeHeaders", "'" + header + "' is not a header name");
            }
        }
        boolean credentials = n.bool("credentials", false);
        if (credentials && origins.contains("*")) {
            n.problem("credentials", "cannot go with origin *: browsers refuse credentials for any origin; list the origins");
            credentials = false;
        }
        Duration maxAge = n.duration("maxAge", CorsConfig.DEFAULT_MAX_AGE, Duration.ZERO, Duration.ofDays(1));
        n.rejectUnknownKeys();
        return new CorsConfig(origins.isEmpty() ? List.of("*") : origins, methods, headers, expose, credentials, maxAge);
    }
}
