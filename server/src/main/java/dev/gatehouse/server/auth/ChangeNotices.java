package dev.gatehouse.server.auth;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** The PostgreSQL channel on which one node tells every node that a key or tier changed. */
final class ChangeNotices {

    static final String CHANNEL = "gatehouse_identity";

    private ChangeNotices() {
    }

    /** Sent inside the caller's transaction, so listeners hear of a change only once it is committed. */
    static void send(Connection c, String payload) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            s.setString(1, CHANNEL);
            s.setString(2, payload);
            s.execute();
        }
    }
}
