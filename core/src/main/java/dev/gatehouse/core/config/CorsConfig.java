package dev.gatehouse.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A route's CORS policy: which browser origins may call it and how. Preflights are answered by the
 * gateway; an origin not listed gets no CORS headers.
 *
 * @param origins exact origins ({@code https://app.example.com}), patterns with one leading wildcard label
 *                ({@code https://*.example.com}), or {@code *} for any
 * @param methods the methods a preflight may ask for
 * @param headers the request headers a preflight may ask for ({@code *} for any)
 * @param exposeHeaders the answer headers a page may read beyond the simple ones
 * @param credentials whether cookies and credentials may be sent ({@code Access-Control-Allow-Credentials})
 * @param maxAge how long a browser may keep a preflight's answer
 */
public record CorsConfig(List<String> origins, List<String> methods, List<String> headers, List<String> exposeHeaders,
                         boolean credentials, Duration maxAge) {

    public static final List<String> DEFAULT_METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");
    public static final List<String> DEFAULT_HEADERS = List.of("Authorization", "Content-Type", "X-API-Key", "X-Request-Id");
    public static final List<String> DEFAULT_EXPOSE_HEADERS = List.of("X-Request-Id", "Retry-After", "RateLimit", "RateLimit-Policy");
    public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(10);

    public CorsConfig {
        origins = Require.list("origins", origins);
        methods = Require.list("methods", methods).stream().map(m -> m.toUpperCase(Locale.ROOT)).toList();
        headers = Require.list("headers", headers);
        exposeHeaders = Require.list("exposeHeaders", exposeHeaders);
        Require.notNull("maxAge", maxAge);
        if (origins.isEmpty()) {
            throw new IllegalArgumentException("origins must name at least one origin (or *)");
        }
        if (credentials && origins.contains("*")) {
            throw new IllegalArgumentException("credentials cannot go with origin *: browsers refuse it; list the origins");
        }
    }

    /** Whether a request's {@code Origin} is one this route accepts. */
    public boolean allows(String origin) {
        if (origin == null) {
            return false;
        }
        for (String allowed : origins) {
            if (allowed.equals("*") || allowed.equalsIgnoreCase(origin) || matchesPattern(allowed, origin)) {
                return true;
            }
        }
        return false;
    }

    /** {@code https://*.example.com} takes {@code https://app.example.com} and {@code https://a.b.example.com}, not {@code https://example.com}. */
    private static boolean matchesPattern(String pattern, String origin) {
        int star = pattern.indexOf("://*.");
        if (star < 0) {
            return false;
        }
        String scheme = pattern.substring(0, star + 3).toLowerCase(Locale.ROOT);
        String suffix = pattern.substring(star + 4).toLowerCase(Locale.ROOT);
        String o = origin.toLowerCase(Locale.ROOT);
        return o.startsWith(scheme) && o.endsWith(suffix) && o.length() > scheme.length() + suffix.length();
    }
}
