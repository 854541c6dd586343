package dev.gatehouse.server.auth;

import dev.gatehouse.core.ratelimit.RateLimit;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * The rate-limit tiers this node applies, as last read from PostgreSQL: read at start, again after an edit
 * made through this node (so it is in effect here when the edit returns) and whenever the change feed says
 * a tier changed. Reads are lock-free; edits and reloads block (JDBC), so make them off the event loop.
 */
final class TierRegistry {
    private final TierStore store;
    private volatile Map<String, List<RateLimit>> tiers = Map.of();

    TierRegistry(TierStore store) {
        this.store = store;
    }

    /** The limits of a tier, or null when there is no such tier. */
    List<RateLimit> tier(String name) {
        return tiers.get(name);
    }

    Map<String, List<RateLimit>> tiers() {
        return tiers;
    }

    /** Creates or replaces a tier; in effect on this node on return, on the others once they hear of it. */
    void put(String name, List<RateLimit> limits) throws SQLException {
        store.put(name, limits);
        reload();
    }

    /**
     * Deletes a tier no key or user has; gone on this node on return, on the others once they hear of it.
     *
     * @return false when there is no such tier
     * @throws Conflict as {@link TierStore#delete} does
     */
    boolean delete(String name) throws SQLException {
        boolean deleted = store.delete(name);
        if (deleted) {
            reload();
        }
        return deleted;
    }

    /**
     * Reads every tier again. One read at a time (edits here, notices, the read-back after a reconnect), so
     * the last to replace the tiers is the latest to have read them: an older read cannot undo a newer one.
     */
    void reload() throws SQLException {
        synchronized (store) {
            tiers = store.all();
        }
    }
}
