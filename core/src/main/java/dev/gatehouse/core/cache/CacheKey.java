package dev.gatehouse.core.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The cache key of a request: route + normalised path + query parameters in a canonical order + the
 * values of the headers the response varies on (+ the caller when the route keys by caller). Two
 * requests share an entry only if all of these agree, so nothing cached for one route or one caller is
 * ever served to another.
 */
public final class CacheKey {

    private CacheKey() {
    }

    /**
     * @param query the raw query string, or null
     * @param vary the response's {@code Vary} header names (comma-separated), or null
     * @param header the request's header values by name
     * @param caller the caller's identity when the route keys by caller, else null
     */
    public static String of(String route, String path, String query, String vary, Function<String, String> header, String caller) {
        StringBuilder key = new StringBuilder(64).append(route).append('\u0000').append(path).append('\u0000').append(canonicalQuery(query));
        for (String name : varyNames(vary)) {
            String value = header.apply(name);
            key.append('\u0000').append(name).append('=').append(value == null ? "" : value.trim());
        }
        if (caller != null) {
            key.append('\u0000').append("caller=").append(caller);
        }
        return key.toString();
    }

    /** The header names a {@code Vary} value lists: lower case, without duplicates, sorted. */
    public static List<String> varyNames(String vary) {
        List<String> names = new ArrayList<>();
        if (vary != null) {
            for (String name : vary.split(",")) {
                String n = name.trim().toLowerCase(Locale.ROOT);
                if (!n.isEmpty() && !names.contains(n)) {
                    names.add(n);
                }
            }
            names.sort(null);
        }
        return names;
    }

    /** Parameters sorted by name, then value, so {@code ?b=2&a=1} and {@code ?a=1&b=2} share an entry. */
    static String canonicalQuery(String query) {
        if (query == null || query.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (String part : query.split("&")) {
            if (!part.isEmpty()) {
                parts.add(part);
            }
        }
        parts.sort((a, b) -> {
            int ea = a.indexOf('=');
            int eb = b.indexOf('=');
            String na = ea < 0 ? a : a.substring(0, ea);
            String nb = eb < 0 ? b : b.substring(0, eb);
            int byName = na.compareTo(nb);
            return byName != 0 ? byName : a.compareTo(b);
        });
        return String.join("&", parts);
    }
}
