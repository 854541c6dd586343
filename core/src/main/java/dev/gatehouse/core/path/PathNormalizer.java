package dev.gatehouse.core.path;

import java.util.ArrayList;
import java.util.List;

/**
 * Normalises a raw request path once, so the path that routing and auth see is the path the upstream
 * gets. Merges repeated slashes, decodes percent-encoded unreserved characters, resolves {@code .} and
 * {@code ..} segments, upper-cases the remaining percent-escapes, and refuses what would let two
 * components read one path differently: encoded {@code /} or {@code \}, raw backslashes, {@code ;} raw or
 * encoded (servlet containers cut path parameters off a segment), control characters, malformed escapes
 * and {@code ..} that climbs above the root.
 */
public final class PathNormalizer {

    private PathNormalizer() {
    }

    public static NormalizedPath normalize(String raw) {
        if (raw == null || raw.isEmpty()) {
            return NormalizedPath.ok("/");
        }
        if (raw.charAt(0) != '/') {
            return NormalizedPath.rejected("the path must start with '/'");
        }
        if (isAlreadyNormal(raw)) {
            return NormalizedPath.ok(raw);
        }
        StringBuilder decoded = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return NormalizedPath.rejected("malformed percent-escape at the end of the path");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return NormalizedPath.rejected("malformed percent-escape '" + raw.substring(i, i + 3) + "'");
                }
                char value = (char) (hi * 16 + lo);
                if (value == '/' || value == '\\' || value == ';') {
                    return NormalizedPath.rejected("encoded '" + value + "' (" + raw.substring(i, i + 3).toUpperCase()
                            + ") is not allowed in a path");
                }
                if (value < 0x20 || value == 0x7f) {
                    return NormalizedPath.rejected("encoded control character " + raw.substring(i, i + 3).toUpperCase()
                            + " is not allowed in a path");
                }
                if (isUnreserved(value)) {
                    decoded.append(value);
                } else {
                    decoded.append('%').append(Character.toUpperCase(raw.charAt(i + 1)))
                            .append(Character.toUpperCase(raw.charAt(i + 2)));
                }
                i += 2;
            } else if (c == ';') {
                return NormalizedPath.rejected("';' is not allowed in a path: servers such as Tomcat, Jetty and Spring cut a "
                        + "segment's ';' parameters off and would serve another path than the one routed");
            } else if (c == '\\') {
                return NormalizedPath.rejected("'\\' is not allowed in a path");
            } else if (c < 0x20 || c == 0x7f) {
                return NormalizedPath.rejected("control characters are not allowed in a path");
            } else {
                decoded.append(c);
            }
        }
        return resolveSegments(decoded.toString());
    }

    /** A single scan that lets the common case (an already clean path) skip all allocation. */
    private static boolean isAlreadyNormal(String raw) {
        char previous = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' || c == '\\' || c == ';' || c < 0x20 || c == 0x7f) {
                return false;
            }
            if (c == '/' && previous == '/') {
                return false;
            }
            if (c == '.' && previous == '/') {
                return false;
            }
            previous = c;
        }
        return true;
    }

    private static NormalizedPath resolveSegments(String path) {
        boolean trailingSlash = path.endsWith("/");
        List<String> out = new ArrayList<>();
        int start = 1;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            String segment = path.substring(start, end);
            start = end + 1;
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (out.isEmpty()) {
                    return NormalizedPath.rejected("'..' climbs above the root of the path");
                }
                out.remove(out.size() - 1);
                continue;
            }
            out.add(segment);
        }
        if (out.isEmpty()) {
            return NormalizedPath.ok("/");
        }
        StringBuilder result = new StringBuilder(path.length());
        for (String segment : out) {
            result.append('/').append(segment);
        }
        String last = path.substring(path.lastIndexOf('/') + 1);
        if (trailingSlash || last.equals(".") || last.equals("..")) {
            result.append('/');
        }
        return NormalizedPath.ok(result.toString());
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
