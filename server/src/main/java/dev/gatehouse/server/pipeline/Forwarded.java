package dev.gatehouse.server.pipeline;

import dev.gatehouse.core.http.ClientAddress;
import dev.gatehouse.core.http.TrustedProxies;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;

/** What a request says of the hops before this one, read as HTTP means it: every header line, in order. */
public final class Forwarded {

    private Forwarded() {
    }

    /**
     * All {@code X-Forwarded-For} lines joined in order, or null when there is none. A proxy may add its
     * hop as a line of its own (HAProxy's {@code option forwardfor} does) rather than append to the
     * client's line; reading only the first line would take the client's own claim for the address.
     */
    public static String forwardedFor(MultiMap headers) {
        return lines(headers, HeaderNames.X_FORWARDED_FOR);
    }

    /** Every line of header {@code name} joined in order with ", " (how HTTP combines repeated fields), or null. */
    public static String lines(MultiMap headers, CharSequence name) {
        List<String> lines = headers.getAll(name);
        return lines.isEmpty() ? null : lines.size() == 1 ? lines.get(0) : String.join(", ", lines);
    }

    /** The client's address: the peer's, or when the peer is a trusted proxy the nearest untrusted hop it reports. */
    public static String client(HttpServerRequest request, TrustedProxies trusted) {
        String peer = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
        // the header is read only for a trusted peer: for anyone else it cannot matter
        return trusted.trusts(peer) ? ClientAddress.behindTrusted(peer, forwardedFor(request.headers()), trusted) : peer;
    }
}
