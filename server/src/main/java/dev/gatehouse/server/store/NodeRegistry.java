package dev.gatehouse.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The nodes that serve against this database ({@code gatehouse_nodes}): each registers at start, beats
 * while it runs and marks its stop, so the live ones can be told from those that merely ran once. Blocking
 * (JDBC): call off the event loops.
 */
public final class NodeRegistry {

    /** How often a running node beats; a node silent for three beats is no longer live. */
    public static final Duration HEARTBEAT = Duration.ofSeconds(5);
    /** Nodes not seen for this long are forgotten when another node starts. */
    static final Duration FORGET_AFTER = Duration.ofDays(7);

    /** One node as the table knows it. */
    public record Node(String nodeId, String hostname, String version, String gatewayAddress, String adminAddress,
                       Instant startedAt, Instant lastSeen, Instant stoppedAt, boolean live) {
    }

    private final Database database;

    public NodeRegistry(Database database) {
        this.database = database;
    }

    /** Records this node's start, and forgets nodes long gone. */
    public void register(String nodeId, String hostname, String version) throws SQLException {
        try (Connection c = database.dataSource().getConnection()) {
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO gatehouse_nodes (node_id, hostname, version) VALUES (?, ?, ?)")) {
                s.setString(1, nodeId);
                s.setString(2, hostname);
                s.setString(3, version);
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM gatehouse_nodes WHERE last_seen < now() - ?::interval")) {
                s.setString(1, FORGET_AFTER.toSeconds() + " seconds");
                s.executeUpdate();
            }
        }
    }

    /** Where the node's listeners ended up (known only once they are bound). */
    public void addresses(String nodeId, String gateway, String admin) throws SQLException {
        update("UPDATE gatehouse_nodes SET gateway_address = ?, admin_address = ?, last_seen = now() WHERE node_id = ?",
                gateway, admin, nodeId);
    }

    /** The node is still running. */
    public void beat(String nodeId) throws SQLException {
        update("UPDATE gatehouse_nodes SET last_seen = now() WHERE node_id = ?", nodeId);
    }

    /** The node is stopping. */
    public void stopped(String nodeId) throws SQLException {
        update("UPDATE gatehouse_nodes SET stopped_at = now(), last_seen = now() WHERE node_id = ?", nodeId);
    }

    /** Every node the table knows, live ones first, then by start, newest first. */
    public List<Node> list() throws SQLException {
        String sql = "SELECT node_id, hostname, version, gateway_address, admin_address, started_at, last_seen, stopped_at, "
                + "(stopped_at IS NULL AND last_seen > now() - ?::interval) AS live "
                + "FROM gatehouse_nodes ORDER BY live DESC, started_at DESC LIMIT 1000";
        List<Node> nodes = new ArrayList<>();
        try (Connection c = database.dataSource().getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, HEARTBEAT.multipliedBy(3).toSeconds() + " seconds");
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    nodes.add(new Node(r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5),
                            instant(r.getTimestamp(6)), instant(r.getTimestamp(7)), instant(r.getTimestamp(8)), r.getBoolean(9)));
                }
            }
        }
        return nodes;
    }

    private void update(String sql, String... values) throws SQLException {
        try (Connection c = database.dataSource().getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                s.setString(i + 1, values[i]);
            }
            s.executeUpdate();
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
