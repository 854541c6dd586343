package dev.gatehouse.server.auth;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The PostgreSQL channel on which one node tells every node that a key, session, user or tier changed; the
 * payload names it ({@code key:}, {@code session:} and a hash in hex, {@code user:} and an id, {@code tier:}
 * and a name), and {@link Identities} applies it through the {@link ChangeFeed}.
 */
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
