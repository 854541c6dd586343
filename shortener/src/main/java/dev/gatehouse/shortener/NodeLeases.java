package dev.gatehouse.shortener;

import dev.gatehouse.core.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * Node ids for {@link SnowflakeIds}, leased from PostgreSQL so that two running instances never share one and
 * nobody configures them. A lease lasts {@code lease} by the database's clock and is renewed every third of it;
 * an instance that cannot renew stops making ids at the end of what it last wrote down ({@code issued_until},
 * by its own clock, set short of the database's expiry by {@code margin}), and a later holder of the id starts
 * after that millisecond, so ids stay unique across holders whatever the clocks of the machines say.
 */
public final class NodeLeases {
    private static final Logger log = LoggerFactory.getLogger(NodeLeases.class);
    /** Serialises acquisitions: two instances starting together must not pick the same free id. */
    private static final long ACQUIRE_LOCK = 0x5307_7e11L;

    private final DataSource db;
    private final SnowflakeIds ids;
    private final Clock clock;
    private final Duration lease;
    private final Duration margin;
    private final String holder;
    private volatile int node = -1;

    /**
     * @param holder names this instance in the lease table (e.g. its instance id and process id)
     * @param lease how long a lease lasts without renewal (at least 3 s)
     */
    public NodeLeases(DataSource db, SnowflakeIds ids, Clock clock, Duration lease, String holder) {
        if (lease.compareTo(Duration.ofSeconds(3)) < 0) {
            throw new IllegalArgumentException("a node lease lasts at least 3s, got " + lease);
        }
        this.db = db;
        this.ids = ids;
        this.clock = clock;
        this.lease = lease;
        this.margin = lease.dividedBy(6);
        this.holder = holder;
    }

    /** How often {@link #renew} should run. */
    public Duration renewEvery() {
        return lease.dividedBy(3);
    }

    public int node() {
        return node;
    }

    /** Takes a free (or expired) node id and gives it to the generator; throws when all 1 024 are held. */
    public int acquire() throws SQLException {
        long bound = clock.epochMillis() + lease.toMillis() - margin.toMillis();
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(" + ACQUIRE_LOCK + ")");
            }
            int taken = -1;
            long floor = 0;
            try (PreparedStatement s = c.prepareStatement("SELECT node_id, issued_until FROM shortener.node_leases "
                    + "WHERE expires_at < now() ORDER BY node_id LIMIT 1");
                 ResultSet r = s.executeQuery()) {
                if (r.next()) {
                    taken = r.getInt(1);
                    floor = r.getLong(2);
                }
            }
            if (taken < 0) {
                try (PreparedStatement s = c.prepareStatement("SELECT g FROM generate_series(0, " + SnowflakeIds.MAX_NODE + ") g "
                        + "WHERE NOT EXISTS (SELECT 1 FROM shortener.node_leases l WHERE l.node_id = g) ORDER BY g LIMIT 1");
                     ResultSet r = s.executeQuery()) {
                    if (!r.next()) {
                        c.rollback();
                        throw new SQLException("all " + (SnowflakeIds.MAX_NODE + 1) + " node ids are leased by running instances");
                    }
                    taken = r.getInt(1);
                }
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO shortener.node_leases (node_id, holder, expires_at, issued_until) "
                    + "VALUES (?, ?, now() + make_interval(secs => ?), ?) ON CONFLICT (node_id) DO UPDATE "
                    + "SET holder = excluded.holder, expires_at = excluded.expires_at, issued_until = excluded.issued_until")) {
                s.setInt(1, taken);
                s.setString(2, holder);
                s.setDouble(3, lease.toMillis() / 1000.0);
                s.setLong(4, Math.max(bound, floor));
                s.executeUpdate();
            }
            c.commit();
            ids.assign(taken, floor, bound);
            node = taken;
            log.info("leased node id {} (ids start after {})", taken, floor);
            return taken;
        }
    }

    /**
     * Extends the lease; false when it was lost (another instance took the id after it expired), in which case
     * the generator refuses ids from now on. A failure to reach PostgreSQL throws, and the generator goes on
     * until the bound written last.
     */
    public boolean renew() throws SQLException {
        int mine = node;
        if (mine < 0) {
            return false;
        }
        long bound = clock.epochMillis() + lease.toMillis() - margin.toMillis();
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE shortener.node_leases SET expires_at = now() + make_interval(secs => ?), "
                     + "issued_until = GREATEST(issued_until, ?) WHERE node_id = ? AND holder = ?")) {
            s.setDouble(1, lease.toMillis() / 1000.0);
            s.setLong(2, bound);
            s.setInt(3, mine);
            s.setString(4, holder);
            if (s.executeUpdate() == 1) {
                ids.leaseUntil(bound);
                return true;
            }
        }
        ids.leaseUntil(-1);
        node = -1;
        log.error("node id {} was taken by another instance (the lease ran out); this instance makes no more ids", mine);
        return false;
    }

    /**
     * Gives the id back at a clean stop: the next holder need only start after the last id made here, not
     * after the whole bound.
     */
    public void release() throws SQLException {
        int mine = node;
        if (mine < 0) {
            return;
        }
        ids.leaseUntil(-1);
        node = -1;
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE shortener.node_leases SET expires_at = now() - interval '1 second', "
                     + "issued_until = ? WHERE node_id = ? AND holder = ?")) {
            s.setLong(1, ids.floor());
            s.setInt(2, mine);
            s.setString(3, holder);
            s.executeUpdate();
        }
    }
}
