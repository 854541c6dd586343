package dev.gatehouse.server.listener;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Open client connections per peer address, node-wide, so that one source cannot hold every connection
 * slot of the node. An address is in the map only while it has a connection open, so the map is bounded by
 * {@code gateway.maxConnections}.
 */
final class ClientAddresses {
    private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

    /** Counts a new connection from {@code address}; false (and nothing counted) when it already holds {@code max}. */
    boolean tryOpen(String address, int max) {
        boolean[] admitted = {false};
        open.compute(address, (a, count) -> {
            int now = count == null ? 0 : count;
            if (now >= max) {
                return count;
            }
            admitted[0] = true;
            return now + 1;
        });
        return admitted[0];
    }

    /** A connection counted by {@link #tryOpen} has closed. */
    void closed(String address) {
        open.computeIfPresent(address, (a, count) -> count <= 1 ? null : count - 1);
    }

    /** Connections open from {@code address}. */
    int openFrom(String address) {
        return open.getOrDefault(address, 0);
    }
}
