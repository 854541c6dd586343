package dev.gatehouse.server.logs;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Writes request-log batches into PostgreSQL over one connection of its own, each in one transaction: the node's
 * shipping cursor is locked and read, the rows it has not shipped yet are copied in ({@code COPY ... FROM STDIN},
 * binary), their rollup increments are added, and the cursor moves to the batch's last row. A batch whose commit
 * was never acknowledged, written again, so finds its rows shipped and writes nothing twice. Blocking, and for
 * one thread at a time (the writer's).
 */
final class RequestLogStore implements AutoCloseable {
    /** How long a read of the server may hang before the connection is given up as lost. */
    static final int NETWORK_TIMEOUT_MILLIS = 30_000;

    private static final String LOCK_CURSOR = """
            INSERT INTO request_log_shipping AS s (node_id, shipped_seq) VALUES (?, 0)
            ON CONFLICT (node_id) DO UPDATE SET shipped_seq = s.shipped_seq
            RETURNING shipped_seq""";
    private static final String MOVE_CURSOR =
            "UPDATE request_log_shipping SET shipped_seq = greatest(shipped_seq, ?), updated_at = now() WHERE node_id = ?";

    private final RequestLogWriter.Connections connections;
    private final CopyEncoder encoder = new CopyEncoder();
    private Connection connection;

    RequestLogStore(RequestLogWriter.Connections connections) {
        this.connections = connections;
    }

    /**
     * Writes the rows of {@code batch} that its node has not shipped yet, with their rollups, and moves the node's
     * cursor past them, all in one transaction. Returns how many rows it wrote: 0 when all were shipped already.
     *
     * @throws SQLException when PostgreSQL failed or refused them; nothing of the batch is then written, unless the
     *                      failure came while committing (ask {@link #shippedSeq} to find out)
     */
    int write(LogBatch batch) throws SQLException {
        Connection c = connection();
        try {
            long shipped;
            try (PreparedStatement s = c.prepareStatement(LOCK_CURSOR)) {
                s.setString(1, batch.nodeId());
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    shipped = r.getLong(1);
                }
            }
            LogBatch unshipped = batch.after(shipped);
            if (unshipped == null) {
                c.rollback();
                return 0;
            }
            Rollups rollups = Rollups.of(unshipped.rows());
            encoder.encode(unshipped);
            CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(CopyEncoder.COPY_SQL);
            try {
                copy.writeToCopy(encoder.buffer(), 0, encoder.size());
                copy.endCopy();
            } finally {
                if (copy.isActive()) {
                    copy.cancelCopy();
                }
            }
            rollups.write(c);
            try (PreparedStatement s = c.prepareStatement(MOVE_CURSOR)) {
                s.setLong(1, unshipped.lastSeq());
                s.setString(2, batch.nodeId());
                s.executeUpdate();
            }
            c.commit();
            return unshipped.rows().size();
        } catch (SQLException | RuntimeException e) {
            abandon(c);
            throw e;
        }
    }

    /** How far {@code nodeId} has shipped its rows (0: not at all). */
    long shippedSeq(String nodeId) throws SQLException {
        Connection c = connection();
        try (PreparedStatement s = c.prepareStatement("SELECT shipped_seq FROM request_log_shipping WHERE node_id = ?")) {
            s.setString(1, nodeId);
            try (ResultSet r = s.executeQuery()) {
                long shipped = r.next() ? r.getLong(1) : 0;
                c.rollback();
                return shipped;
            }
        } catch (SQLException | RuntimeException e) {
            abandon(c);
            throw e;
        }
    }

    /** The identity of the database (its {@code request_log_database} row), which spool segments carry. */
    String databaseId() throws SQLException {
        Connection c = connection();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT id FROM request_log_database")) {
            if (!r.next()) {
                throw new SQLException("request_log_database is empty: the database was not migrated by Gatehouse");
            }
            String id = r.getString(1);
            c.rollback();
            return id;
        } catch (SQLException | RuntimeException e) {
            abandon(c);
            throw e;
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            Connection c = connections.open();
            try {
                c.setAutoCommit(false);
                // a server that stops answering mid-batch must not hold the writer (and so the queue) for long
                c.setNetworkTimeout(Runnable::run, NETWORK_TIMEOUT_MILLIS);
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            connection = c;
        }
        return connection;
    }

    /** Rolls back after a failure, and lets the connection go if it broke (the next call opens another). */
    private void abandon(Connection c) {
        try {
            if (!c.isClosed()) {
                c.rollback();
                return;
            }
        } catch (SQLException broken) {
            // closed below
        }
        close();
    }

    /** Whether a failure is PostgreSQL refusing the rows themselves (a data or constraint error), which no retry mends. */
    static boolean refusesRows(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // it is gone either way
            }
            connection = null;
        }
    }
}
