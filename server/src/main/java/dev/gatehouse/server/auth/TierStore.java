package dev.gatehouse.server.auth;

import dev.gatehouse.core.ratelimit.RateLimit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Rate-limit tiers in PostgreSQL, editable at run time. Blocking: call off the event loop. */
public final class TierStore {
    private static final Logger log = LoggerFactory.getLogger(TierStore.class);

    private final DataSource db;

    public TierStore(DataSource db) {
        this.db = db;
    }

    public Map<String, List<RateLimit>> all() throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT name, limits FROM gatehouse_tiers ORDER BY name");
             ResultSet r = s.executeQuery()) {
            Map<String, List<RateLimit>> tiers = new LinkedHashMap<>();
            while (r.next()) {
                try {
                    tiers.put(r.getString(1), KeyStore.rates(r.getArray(2)));
                } catch (IllegalArgumentException e) {
                    // written around the API (which checks every rate): one bad row must not cost every tier
                    log.warn("tier '{}' in gatehouse_tiers is left out: {}; its callers get the anonymous tier's limits until it is fixed",
                            r.getString(1), e.getMessage());
                }
            }
            return tiers;
        }
    }

    /** Whether a tier of this name is stored, asked on the caller's connection. */
    static boolean exists(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM gatehouse_tiers WHERE name = ?")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }

    /** The tier callers without credentials get; it cannot be deleted. */
    public static final String ANONYMOUS = "anonymous";

    /**
     * Deletes a tier no key or user has and tells every node.
     *
     * @return false when there is no such tier
     * @throws Conflict for the built-in anonymous tier, or while keys (revoked ones too) or users have the tier
     */
    public boolean delete(String name) throws SQLException {
        if (name.equals(ANONYMOUS)) {
            throw new Conflict("the anonymous tier is built in: callers without credentials get its limits; change them with PUT instead");
        }
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("SELECT (SELECT count(*) FROM gatehouse_api_keys WHERE tier = ?), "
                    + "(SELECT count(*) FROM gatehouse_users WHERE tier = ?)")) {
                s.setString(1, name);
                s.setString(2, name);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    if (r.getLong(1) > 0 || r.getLong(2) > 0) {
                        throw new Conflict("tier '" + name + "' is still used by " + r.getLong(1) + " key(s) (revoked ones included) and "
                                + r.getLong(2) + " user(s); move them to another tier first");
                    }
                }
                int deleted;
                try (PreparedStatement d = c.prepareStatement("DELETE FROM gatehouse_tiers WHERE name = ?")) {
                    d.setString(1, name);
                    deleted = d.executeUpdate();
                }
                if (deleted > 0) {
                    ChangeNotices.send(c, "tier:" + name);
                }
                c.commit();
                return deleted > 0;
            } catch (SQLException e) {
                c.rollback();
                if ("23503".equals(e.getSQLState())) {
                    throw new Conflict("tier '" + name + "' was given to a key or user meanwhile; move them to another tier first");
                }
                throw e;
            } catch (RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Creates or replaces a tier's limits and tells every node. */
    public void put(String name, List<RateLimit> limits) throws SQLException {
        if (!name.matches("[a-z0-9_-]{1,32}")) {
            throw new IllegalArgumentException("a tier name is 1 to 32 lower-case letters, digits, '-' or '_', got '" + name + "'");
        }
        if (limits.isEmpty()) {
            throw new IllegalArgumentException("a tier needs at least one limit, e.g. [\"1000/min\"]");
        }
        RateLimit.oneRatePerWindow(limits);
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("INSERT INTO gatehouse_tiers (name, limits) VALUES (?, ?) "
                    + "ON CONFLICT (name) DO UPDATE SET limits = excluded.limits, updated_at = now()")) {
                s.setString(1, name);
                s.setArray(2, c.createArrayOf("text", limits.stream().map(RateLimit::text).toArray()));
                s.executeUpdate();
                ChangeNotices.send(c, "tier:" + name);
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
