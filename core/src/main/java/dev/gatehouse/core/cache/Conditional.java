package dev.gatehouse.core.cache;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Whether a stored answer satisfies a GET/HEAD request's preconditions so that {@code 304 Not Modified}
 * is the answer (RFC 9110 §13.1.2, §13.1.3, §13.2.2): {@code If-None-Match} against the stored
 * {@code ETag} by weak comparison, and only when it is absent {@code If-Modified-Since} against the stored
 * {@code Last-Modified}. Malformed values never produce a 304.
 */
public final class Conditional {

    private Conditional() {
    }

    /**
     * @param ifNoneMatch the request's {@code If-None-Match}, or null
     * @param ifModifiedSince the request's {@code If-Modified-Since}, or null
     * @param etag the stored answer's {@code ETag}, or null
     * @param lastModified the stored answer's {@code Last-Modified}, or null
     */
    public static boolean notModified(String ifNoneMatch, String ifModifiedSince, String etag, String lastModified) {
        if (ifNoneMatch != null) {
            return etag != null && matchesAny(ifNoneMatch, etag);
        }
        if (ifModifiedSince == null || lastModified == null) {
            return false;
        }
        ZonedDateTime since = httpDate(ifModifiedSince);
        ZonedDateTime modified = httpDate(lastModified);
        return since != null && modified != null && !modified.isAfter(since);
    }

    /** Weak comparison: {@code W/"x"} and {@code "x"} match; {@code *} matches any stored tag. */
    private static boolean matchesAny(String list, String etag) {
        String stored = opaque(etag.trim());
        if (stored == null) {
            return false;
        }
        if (list.trim().equals("*")) {
            return true;
        }
        for (String candidate : list.split(",")) {
            String tag = opaque(candidate.trim());
            if (tag != null && tag.equals(stored)) {
                return true;
            }
        }
        return false;
    }

    /** The quoted part of an entity tag without its weakness prefix, or null when it is not one. */
    private static String opaque(String tag) {
        String t = tag.startsWith("W/") ? tag.substring(2) : tag;
        return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") && t.indexOf('"', 1) == t.length() - 1 ? t : null;
    }

    /** An IMF-fixdate (the form HTTP senders must use), or null. */
    private static ZonedDateTime httpDate(String value) {
        try {
            return ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
