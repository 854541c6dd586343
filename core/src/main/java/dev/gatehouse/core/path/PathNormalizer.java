package dev.gatehouse.core.path;

import dev.gatehouse.core.http.RequestTarget;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Normalises a raw request path once, so the path that routing and auth see is the path the upstream
 * gets. Merges repeated slashes, decodes percent-encoded unreserved characters, resolves {@code .} and
 * {@code ..} segments, upper-cases the remaining percent-escapes, percent-encodes raw bytes above ASCII,
 * and refuses what would let two components read one path differently: encoded {@code /} or {@code \},
 * raw backslashes, {@code ;} raw or encoded (servlet containers cut path parameters off a segment),
 * bytes that are not UTF-8, control characters, malformed escapes and {@code ..} that climbs above the root.
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
        StringBuilder decoded = new StringBuilder(raw.length() + 8);
        Utf8 utf8 = new Utf8();
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
                int value = hi * 16 + lo;
                String escape = raw.substring(i, i + 3).toUpperCase(Locale.ROOT);
                i += 2;
                if (value >= 0x80) {
                    if (!utf8.accept(value)) {
                        return notUtf8(escape);
                    }
                    decoded.append(escape);
                    continue;
                }
                if (utf8.pending()) {
                    return notUtf8(escape);
                }
                if (value == '/' || value == '\\' || value == ';') {
                    return NormalizedPath.rejected("encoded '" + (char) value + "' (" + escape + ") is not allowed in a path");
                }
                if (value < 0x20 || value == 0x7f) {
                    return NormalizedPath.rejected("encoded control character " + escape + " is not allowed in a path");
                }
                if (isUnreserved((char) value)) {
                    decoded.append((char) value);
                } else {
                    decoded.append(escape);
                }
            } else if (c >= 0x80) {
                // a raw byte (decoders hand the request line over a char per byte): the same path as its %XX
                if (c > 0xFF || !utf8.accept(c)) {
                    return notUtf8(c > 0xFF ? String.format("U+%04X", (int) c) : String.format("%%%02X", (int) c));
                }
                RequestTarget.appendEscape(decoded, c);
            } else if (utf8.pending()) {
                return notUtf8("'" + c + "'");
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
        if (utf8.pending()) {
            return notUtf8("the end of the path");
        }
        return resolveSegments(decoded.toString());
    }

    /** A single scan that lets the common case (an already clean path) skip all allocation. */
    private static boolean isAlreadyNormal(String raw) {
        char previous = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' || c == '\\' || c == ';' || c < 0x20 || c >= 0x7f) {
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

    private static NormalizedPath notUtf8(String at) {
        return NormalizedPath.rejected("the path's bytes are not valid UTF-8 (at " + at + ")");
    }

    /**
     * Checks bytes above ASCII, raw or escaped, as UTF-8 (RFC 3629): overlong forms (such as {@code %C0%AF}
     * for '/'), surrogates and truncated sequences are refused, so no decoder can read a byte sequence as a
     * character the gateway did not see.
     */
    private static final class Utf8 {
        private int needed;
        private int lower = 0x80;
        private int upper = 0xBF;

        boolean accept(int b) {
            if (needed == 0) {
                if (b >= 0xC2 && b <= 0xDF) {
                    needed = 1;
                } else if (b >= 0xE0 && b <= 0xEF) {
                    needed = 2;
                    lower = b == 0xE0 ? 0xA0 : 0x80;
                    upper = b == 0xED ? 0x9F : 0xBF;
                } else if (b >= 0xF0 && b <= 0xF4) {
                    needed = 3;
                    lower = b == 0xF0 ? 0x90 : 0x80;
                    upper = b == 0xF4 ? 0x8F : 0xBF;
                } else {
                    return false;
                }
                return true;
            }
            if (b < lower || b > upper) {
                return false;
            }
            lower = 0x80;
            upper = 0xBF;
            needed--;
            return true;
        }

        boolean pending() {
            return needed > 0;
        }
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
