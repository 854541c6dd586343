package dev.gatehouse.core.config;

import java.util.List;
import java.util.Locale;

/**
 * A route's response compression, for clients that accept it: answers at least {@code minBytes} long (or of
 * unknown length) whose media type is listed, and that are not encoded already, go out gzip-encoded.
 *
 * @param types media types to compress, each exact ({@code application/json}) or a family ({@code text/*})
 * @param level the deflate level, 1 (fastest) to 9 (smallest)
 */
public record CompressionConfig(long minBytes, List<String> types, int level) {

    public static final long DEFAULT_MIN_BYTES = 1024;
    public static final List<String> DEFAULT_TYPES = List.of("text/*", "application/json", "application/javascript",
            "application/xml", "application/problem+json", "image/svg+xml");
    public static final int DEFAULT_LEVEL = 5;

    public static final CompressionConfig DEFAULTS = new CompressionConfig(DEFAULT_MIN_BYTES, DEFAULT_TYPES, DEFAULT_LEVEL);

    public CompressionConfig {
        if (minBytes < 0) {
            throw new IllegalArgumentException("minBytes must not be negative, got " + minBytes);
        }
        if (level < 1 || level > 9) {
            throw new IllegalArgumentException("level must be from 1 to 9, got " + level);
        }
        types = types.stream().map(t -> t.trim().toLowerCase(Locale.ROOT)).toList();
        if (types.isEmpty()) {
            throw new IllegalArgumentException("types must name at least one media type");
        }
    }

    /** Whether an answer of this Content-Type (parameters and case aside) is one to compress. */
    public boolean compresses(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
        for (String wanted : types) {
            if (wanted.endsWith("/*") ? type.startsWith(wanted.substring(0, wanted.length() - 1)) : type.equals(wanted)) {
                return true;
            }
        }
        return false;
    }
}
