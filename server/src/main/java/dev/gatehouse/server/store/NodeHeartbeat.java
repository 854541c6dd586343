package dev.gatehouse.server.store;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.sql.SQLException;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * This node's row in the {@link NodeRegistry}: registered when the node starts, given the listeners'
 * addresses once they are bound, then beating every {@link NodeRegistry#HEARTBEAT} until the node closes,
 * when it is marked stopped. Beats run off the event loops; a missed one (storage down) is only a debug
 * line, as readiness reports that.
 */
public final class NodeHeartbeat implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeHeartbeat.class);

    private final Vertx vertx;
    private final NodeRegistry registry;
    private final String hostname = hostname();
    private final String nodeId = hostname + "-" + UUID.randomUUID().toString().substring(0, 8);
    private final String version;
    private long timer = -1;

    public NodeHeartbeat(Vertx vertx, NodeRegistry registry, String version) {
        this.vertx = vertx;
        this.registry = registry;
        this.version = version;
    }

    /** The host name and a random suffix: unique among the nodes of one database. */
    public String nodeId() {
        return nodeId;
    }

    /**
     * Records this node's start. Blocking: call from the thread that starts the node.
     *
     * @throws IllegalStateException when PostgreSQL cannot take it
     */
    public void register() {
        try {
            registry.register(nodeId, hostname, version);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot register this node in PostgreSQL: " + e.getMessage(), e);
        }
    }

    /** Records where the node's listeners are, then beats until {@link #close}. */
    public synchronized void serving(String gatewayAddress, String adminAddress) {
        beat(() -> {
            registry.addresses(nodeId, gatewayAddress, adminAddress);
            return null;
        });
        if (timer < 0) {
            timer = vertx.setPeriodic(NodeRegistry.HEARTBEAT.toMillis(), id -> beat(() -> {
                registry.beat(nodeId);
                return null;
            }));
        }
    }

    private void beat(Callable<Void> what) {
        vertx.executeBlocking(what, false).onFailure(e -> log.debug("node registry: {}", e.getMessage()));
    }

    /** Stops beating and marks the node stopped; blocking, and a failure is only a debug line. */
    @Override
    public synchronized void close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
        try {
            registry.stopped(nodeId);
        } catch (SQLException | RuntimeException e) {
            log.debug("could not mark this node stopped: {}", e.getMessage());
        }
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}
