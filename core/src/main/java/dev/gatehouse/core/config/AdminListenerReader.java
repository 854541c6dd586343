package dev.gatehouse.core.config;

import java.util.Locale;
import java.util.Set;

/** Reads {@code admin}: the admin listener, which must not share the gateway's socket, and its optional TLS. */
final class AdminListenerReader {

    /** Addresses that listen on every interface. */
    private static final Set<String> ANY_ADDRESS = Set.of("0.0.0.0", "::", "0:0:0:0:0:0:0:0", "*");
    /** What {@code localhost} may resolve to. */
    private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "::1", "0:0:0:0:0:0:0:1");

    private AdminListenerReader() {
    }

    static AdminListenerConfig read(ConfigNode n, GatewayListenerConfig gateway) {
        int port = n.integer("port", AdminListenerConfig.DEFAULT_PORT, 0, 65535);
        TlsConfig tls = TlsReader.read(n, port);
        if (tls != null && tls.redirectFrom() != null) {
            n.child("tls").problem("redirectFrom", "is for the gateway listener; the admin listener has no plain port to redirect from");
        }
        AdminListenerConfig config = new AdminListenerConfig(n.string("host", AdminListenerConfig.DEFAULT_HOST), port, tls);
        if (config.port() != 0 && config.port() == gateway.port() && sameAddress(config.host(), gateway.host())) {
            // in one process the two servers would share the socket and take turns answering either listener's requests
            n.problem("port", "is " + config.port() + ", as gateway.port, and admin.host " + config.host() + " overlaps gateway.host "
                    + gateway.host() + ": the admin listener needs a port of its own");
        }
        n.rejectUnknownKeys();
        return config;
    }

    /** Whether two listen addresses can take the same connections: one is every interface, or both name the same one. */
    private static boolean sameAddress(String a, String b) {
        String x = a.toLowerCase(Locale.ROOT).replace("[", "").replace("]", "");
        String y = b.toLowerCase(Locale.ROOT).replace("[", "").replace("]", "");
        return ANY_ADDRESS.contains(x) || ANY_ADDRESS.contains(y) || x.equals(y)
                || x.equals("localhost") && LOOPBACK.contains(y) || y.equals("localhost") && LOOPBACK.contains(x);
    }
}
