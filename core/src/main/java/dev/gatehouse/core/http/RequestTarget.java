package dev.gatehouse.core.http;

import java.nio.charset.StandardCharsets;

/**
 * The request line's target as bytes. An HTTP/1.1 decoder hands the target over one char per byte, so a
 * client's raw UTF-8 {@code é} arrives as the two chars {@code Ã©}; written back out as text, it would be
 * encoded a second time. RFC 3986 allows only ASCII in a URI, so raw bytes above it are percent-encoded
 * once, and from then on the target is plain ASCII that every stage and the upstream read alike.
 */
public final class RequestTarget {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private RequestTarget() {
    }

    /**
     * {@code target} with every char above ASCII percent-encoded as the byte it stands for ({@code %C3%A9});
     * the same instance when there is none. A char above {@code U+00FF}, which no byte decoder yields, is
     * encoded as its UTF-8 bytes.
     */
    public static String encodeRawBytes(String target) {
        int first = firstNonAscii(target);
        if (first < 0) {
            return target;
        }
        StringBuilder out = new StringBuilder(target.length() + 16).append(target, 0, first);
        for (int i = first; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c < 0x80) {
                out.append(c);
            } else if (c <= 0xFF) {
                appendEscape(out, c);
            } else {
                int codePoint = target.codePointAt(i);
                i += Character.charCount(codePoint) - 1;
                for (byte b : new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8)) {
                    appendEscape(out, b & 0xFF);
                }
            }
        }
        return out.toString();
    }

    /** Appends {@code %XX} (upper-case hex) for one byte. */
    public static void appendEscape(StringBuilder out, int b) {
        out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xF]);
    }

    private static int firstNonAscii(String target) {
        for (int i = 0; i < target.length(); i++) {
            if (target.charAt(i) >= 0x80) {
                return i;
            }
        }
        return -1;
    }
}
