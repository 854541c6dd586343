package dev.gatehouse.core.ratelimit;

import java.time.Duration;
import java.util.List;

/**
 * The {@code RateLimit-Policy} and {@code RateLimit} header fields of draft-ietf-httpapi-ratelimit-headers-10,
 * as Structured Field lists (RFC 9651) of quoted policy names with parameters:
 * {@code RateLimit-Policy: "1min";q=100;w=60, "1h";q=1000;w=3600} names each window a caller is held to,
 * and {@code RateLimit: "1min";r=42;t=17} tells what is left of the tightest one and when it resets.
 */
public final class RateLimitFields {

    /** One window a caller is held to, under the stable name both fields use for it. */
    public record Quota(String name, RateLimit limit) {
    }

    private RateLimitFields() {
    }

    /** Names each window by its length ({@code 1s}, {@code 1min}, {@code 1h}, {@code 1d}), after {@code source} when given ({@code pro-1min}). */
    public static List<Quota> named(String source, List<RateLimit> windows) {
        return windows.stream().map(limit -> new Quota(source == null ? windowName(limit.window()) : source + "-" + windowName(limit.window()), limit))
                .toList();
    }

    /** A window's length as a short name: {@code 1s}, {@code 1min}, {@code 1h}, {@code 1d}, else seconds or milliseconds. */
    public static String windowName(Duration window) {
        long millis = window.toMillis();
        if (millis % 86_400_000 == 0) {
            return millis / 86_400_000 + "d";
        }
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "min";
        }
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    /** The {@code RateLimit-Policy} value: each quota with {@code q} (its limit) and {@code w} (its window in seconds, at least 1). */
    public static String policy(List<Quota> quotas) {
        StringBuilder field = new StringBuilder(quotas.size() * 24);
        for (Quota quota : quotas) {
            if (!field.isEmpty()) {
                field.append(", ");
            }
            quote(field, quota.name()).append(";q=").append(quota.limit().limit())
                    .append(";w=").append(Math.max(1, quota.limit().window().toSeconds()));
        }
        return field.toString();
    }

    /** The {@code RateLimit} value for the quota that decided: {@code r} (units left) and {@code t} (seconds until it resets). */
    public static String rateLimit(Quota quota, long remaining, long resetSeconds) {
        return quote(new StringBuilder(32), quota.name()).append(";r=").append(remaining).append(";t=").append(resetSeconds).toString();
    }

    /**
     * The quota whose window made a decision: the one of the decision's limit (or, from a per-node share when
     * Redis could not decide, of that share's), the longest window among equals, since a longer window of the
     * same limit never has more left. The first quota when none matches.
     */
    public static Quota decidedBy(List<Quota> quotas, long decidedLimit, int nodes) {
        Quota found = longestOf(quotas, decidedLimit, 1);
        if (found == null && nodes > 1) {
            found = longestOf(quotas, decidedLimit, nodes);
        }
        return found != null ? found : quotas.get(0);
    }

    private static Quota longestOf(List<Quota> quotas, long decidedLimit, int nodes) {
        Quota found = null;
        for (Quota quota : quotas) {
            long limit = nodes == 1 ? quota.limit().limit() : quota.limit().perNode(nodes).limit();
            if (limit == decidedLimit && (found == null || quota.limit().window().compareTo(found.limit().window()) > 0)) {
                found = quota;
            }
        }
        return found;
    }

    /** Appends {@code text} as an sf-string: quoted, {@code "} and {@code \} escaped, anything outside printable ASCII as {@code _}. */
    static StringBuilder quote(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else {
                out.append(c < 0x20 || c > 0x7e ? '_' : c);
            }
        }
        return out.append('"');
    }
}
