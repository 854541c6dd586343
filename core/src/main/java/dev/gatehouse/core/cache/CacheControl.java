package dev.gatehouse.core.cache;

import java.util.Locale;

/**
 * The {@code Cache-Control} directives a shared cache acts on (RFC 9111 §5.2). Unknown directives are
 * ignored; a malformed delta-seconds makes its directive absent (-1), which errs toward not caching.
 */
public record CacheControl(boolean noStore, boolean noCache, boolean isPrivate, boolean isPublic, boolean mustRevalidate,
                           long maxAge, long sMaxAge, long staleWhileRevalidate, long staleIfError) {

    public static final CacheControl NONE = new CacheControl(false, false, false, false, false, -1, -1, -1, -1);

    public static CacheControl parse(String header) {
        if (header == null || header.isBlank()) {
            return NONE;
        }
        boolean noStore = false;
        boolean noCache = false;
        boolean isPrivate = false;
        boolean isPublic = false;
        boolean mustRevalidate = false;
        long maxAge = -1;
        long sMaxAge = -1;
        long swr = -1;
        long sie = -1;
        for (String raw : header.split(",")) {
            String directive = raw.trim();
            int eq = directive.indexOf('=');
            String name = (eq < 0 ? directive : directive.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            String value = eq < 0 ? null : directive.substring(eq + 1).trim();
            switch (name) {
                case "no-store" -> noStore = true;
                case "no-cache" -> noCache = true;
                case "private" -> isPrivate = true;
                case "public" -> isPublic = true;
                case "must-revalidate", "proxy-revalidate" -> mustRevalidate = true;
                case "max-age" -> maxAge = seconds(value);
                case "s-maxage" -> sMaxAge = seconds(value);
                case "stale-while-revalidate" -> swr = seconds(value);
                case "stale-if-error" -> sie = seconds(value);
                default -> {
                    // other directives do not change what a shared cache does
                }
            }
        }
        return new CacheControl(noStore, noCache, isPrivate, isPublic, mustRevalidate, maxAge, sMaxAge, swr, sie);
    }

    private static long seconds(String value) {
        if (value == null) {
            return -1;
        }
        String v = value.startsWith("\"") && value.endsWith("\"") && value.length() >= 2 ? value.substring(1, value.length() - 1) : value;
        if (v.isEmpty() || v.length() > 10 || !v.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Long.parseLong(v);
    }
}
