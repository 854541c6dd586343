package dev.gatehouse.core.http;

/** Who the client is: the peer, or — when the peer is a trusted proxy — the nearest untrusted hop it reports. */
public final class ClientAddress {

    private ClientAddress() {
    }

    /**
     * @param peer the address of the TCP peer
     * @param forwardedFor the {@code X-Forwarded-For} value, or null
     */
    public static String resolve(String peer, String forwardedFor, TrustedProxies trusted) {
        return trusted.trusts(peer) ? behindTrusted(peer, forwardedFor, trusted) : peer;
    }

    /** The client behind {@code peer}, a proxy the caller knows to be trusted. */
    public static String behindTrusted(String peer, String forwardedFor, TrustedProxies trusted) {
        if (forwardedFor == null) {
            return peer;
        }
        String[] hops = forwardedFor.split(",");
        // walk from the nearest hop outwards, skipping proxies we trust
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (!hop.isEmpty() && !trusted.trusts(hop)) {
                return hop;
            }
        }
        String first = hops[0].trim();
        return first.isEmpty() ? peer : first;
    }
}
