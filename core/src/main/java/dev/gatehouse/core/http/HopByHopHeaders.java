package dev.gatehouse.core.http;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Headers that describe one connection, not the message, and so must not be forwarded by a proxy (RFC 9110 §7.6.1). */
public final class HopByHopHeaders {

    /** The hop-by-hop header names, lower case. */
    public static final List<String> NAMES = List.of("connection", "keep-alive", "proxy-connection", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade");

    private HopByHopHeaders() {
    }

    public static boolean isHopByHop(String name) {
        return NAMES.contains(name.toLowerCase(Locale.ROOT));
    }

    /** Header names a {@code Connection} header value lists, which are hop-by-hop for this message too. */
    public static Set<String> listedIn(String connectionHeader) {
        if (connectionHeader == null || connectionHeader.isBlank() || connectionHeader.equalsIgnoreCase("keep-alive")
                || connectionHeader.equalsIgnoreCase("close")) {
            return Set.of(); // what nearly every message says: nothing to split
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String token : connectionHeader.split(",")) {
            String t = token.trim().toLowerCase(Locale.ROOT);
            if (!t.isEmpty() && !t.equals("close") && !t.equals("keep-alive")) {
                names.add(t);
            }
        }
        return names;
    }
}
