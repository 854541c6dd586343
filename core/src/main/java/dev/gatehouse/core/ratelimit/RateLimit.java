package dev.gatehouse.core.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** How much a subject may spend per window, e.g. 100 requests per minute. */
public record RateLimit(long limit, Duration window) {

    /**
     * The most a window may allow: every algorithm's arithmetic stays exact below it, in Java's longs and in
     * the Redis scripts' doubles (the token bucket keeps millionths of a token: 10^15 fits in 2^53).
     */
    public static final long MAX_LIMIT = 1_000_000_000L;

    public RateLimit {
        if (limit < 1) {
            throw new IllegalArgumentException("a rate limit must allow at least 1 per window, got " + limit);
        }
        if (limit > MAX_LIMIT) {
            throw new IllegalArgumentException("a rate limit allows at most " + MAX_LIMIT + " per window, got " + limit);
        }
        if (window.toMillis() < 1) {
            throw new IllegalArgumentException("a rate-limit window must be at least 1 ms, got " + window);
        }
    }

    public static RateLimit perSecond(long limit) {
        return new RateLimit(limit, Duration.ofSeconds(1));
    }

    public static RateLimit perMinute(long limit) {
        return new RateLimit(limit, Duration.ofMinutes(1));
    }

    /**
     * Parses {@code 100/min}, {@code 10/s}, {@code 5000/hour}, {@code 500000/day} (also {@code sec},
     * {@code second}, {@code m}, {@code minute}, {@code h}, {@code d}); throws with the reason otherwise.
     */
    public static RateLimit parse(String text) {
        String[] parts = text.trim().split("\\s*/\\s*");
        if (parts.length != 2) {
            throw new IllegalArgumentException("'" + text + "' is not a rate such as 100/min");
        }
        long limit;
        try {
            limit = Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            if (parts[0].matches("[0-9]+")) {
                throw new IllegalArgumentException("'" + text + "': a rate limit allows at most " + MAX_LIMIT + " per window");
            }
            throw new IllegalArgumentException("'" + text + "' does not start with a whole number");
        }
        Duration window = switch (parts[1].toLowerCase(java.util.Locale.ROOT)) {
            case "s", "sec", "second" -> Duration.ofSeconds(1);
            case "m", "min", "minute" -> Duration.ofMinutes(1);
            case "h", "hour" -> Duration.ofHours(1);
            case "d", "day" -> Duration.ofDays(1);
            default -> throw new IllegalArgumentException("'" + text + "' has an unknown period '" + parts[1]
                    + "'; use s, min, hour or day");
        };
        return new RateLimit(limit, window);
    }

    /**
     * Reads a policy's rates, one per window: {@code ["10/s", "1000/min"]}. Two rates for the same window
     * are refused (the smaller would always decide), naming both.
     */
    public static List<RateLimit> parseAll(List<String> texts) {
        List<RateLimit> limits = new ArrayList<>(texts.size());
        for (String text : texts) {
            limits.add(parse(text));
        }
        return oneRatePerWindow(limits);
    }

    /** {@code limits} when no two share a window; else throws naming the pair. */
    public static List<RateLimit> oneRatePerWindow(List<RateLimit> limits) {
        for (int i = 0; i < limits.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (limits.get(j).window.equals(limits.get(i).window)) {
                    throw new IllegalArgumentException("'" + limits.get(i).text() + "' is a second rate for the window of '"
                            + limits.get(j).text() + "'; a policy has one rate per window");
                }
            }
        }
        return List.copyOf(limits);
    }

    /** The rate as {@link #parse} reads it back, e.g. {@code 100/min}. */
    public String text() {
        long seconds = window.toSeconds();
        String unit = seconds == 86_400 ? "day" : seconds == 3600 ? "hour" : seconds == 60 ? "min" : seconds == 1 ? "s" : null;
        return unit != null ? limit + "/" + unit : limit + " per " + window;
    }

    /** This limit shared out among {@code nodes}, rounded up: what each node allows on its own. */
    public RateLimit perNode(int nodes) {
        return new RateLimit(Math.max(1, (limit + nodes - 1) / nodes), window);
    }

    public long windowMicros() {
        return window.toNanos() / 1000;
    }
}
