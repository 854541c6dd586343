package dev.gatehouse.server.logs;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The span of time an analytics query or a log search covers, as the admin API and the CLI take it: either
 * {@code since} (a duration back from now: {@code 15m}, {@code 1h}, {@code 24h}, {@code 7d}) or {@code from} and
 * optionally {@code until} (ISO-8601 instants), never longer than what is kept.
 */
public record TimeRange(Instant from, Instant until) {
    private static final Pattern DURATION = Pattern.compile("([1-9][0-9]{0,6})(s|m|h|d)");

    public TimeRange {
        if (!until.isAfter(from)) {
            throw new IllegalArgumentException("until (" + until + ") must be after from (" + from + ")");
        }
    }

    public Duration length() {
        return Duration.between(from, until);
    }

    /**
     * The range the parameters name, each null when not given.
     *
     * @param fallback the range back from now when neither {@code since} nor {@code from} is given
     * @param max the longest range allowed, and {@code maxWhy} what sets it (for the message)
     * @throws IllegalArgumentException naming the parameter that is wrong, and why
     */
    public static TimeRange parse(String since, String from, String until, Instant now, Duration fallback, Duration max, String maxWhy) {
        if (since != null && from != null) {
            throw new IllegalArgumentException("give since or from, not both");
        }
        Instant end = until == null ? now : instant("until", until);
        Instant start;
        if (from != null) {
            start = instant("from", from);
        } else {
            if (since != null && until != null) {
                throw new IllegalArgumentException("since counts back from now; with until, give from instead");
            }
            start = end.minus(since == null ? fallback : duration("since", since));
        }
        if (!end.isAfter(start)) {
            throw new IllegalArgumentException("until (" + end + ") must be after from (" + start + ")");
        }
        if (Duration.between(start, end).compareTo(max) > 0) {
            throw new IllegalArgumentException("the range is at most " + text(max) + " (" + maxWhy + "), got " + text(Duration.between(start, end)));
        }
        return new TimeRange(start, end);
    }

    /** A duration such as {@code 30s}, {@code 15m}, {@code 1h}, {@code 24h} or {@code 7d}, given as {@code name}. */
    public static Duration duration(String name, String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(name + " must be a duration such as 15m, 1h, 24h or 7d, got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    private static Instant instant(String name, String text) {
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be an ISO-8601 instant such as 2026-12-06T10:00:00Z, got '" + text + "'");
        }
    }

    /** A duration as these ranges are written: {@code 7d}, {@code 36h}, {@code 15m}, {@code 90s}. */
    public static String text(Duration d) {
        long s = d.toSeconds();
        if (s % 86_400 == 0 && s > 0) {
            return s / 86_400 + "d";
        }
        if (s % 3600 == 0 && s > 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0 && s > 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }
}
