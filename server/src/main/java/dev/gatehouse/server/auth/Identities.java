package dev.gatehouse.server.auth;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.core.config.IdentityConfig;
import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.server.store.Database;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node's identities: the stores of keys, users and tiers, and what the request path reads of them — the
 * {@link KeyCache}, {@link SessionCache}, {@link JwtVerdicts} and {@link TierRegistry} — kept current by a
 * {@link ChangeFeed}. A revocation or tier change on any node reaches every node's caches through PostgreSQL
 * {@code LISTEN/NOTIFY} within a second; when the feed reconnects after losing PostgreSQL, what is cached
 * keeps serving until it has been read back. A look-up that raced a change (read before it, ended after the
 * node heard of it) answers its own callers but caches nothing (see {@link Lookups}).
 *
 * <p>Building one starts nothing: {@link #start} reads the tiers, creates the configured first admin and
 * starts the feed and the {@link KeyUseWriter}; {@link #close} stops them.
 */
public final class Identities implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Identities.class);

    /** Distinct credentials looked up (or JWTs verified) at once, per kind; more are refused (503) rather than queued. */
    static final int MAX_LOOKUPS = 256;

    private final IdentityConfig config;
    private final KeyStore keys;
    private final UserStore users;
    private final TierStore tierStore;
    private final KeyUseWriter keyUses;
    private final KeyCache keyCache;
    private final SessionCache sessions;
    private final JwtVerdicts jwts;
    private final TierRegistry tiers;
    private final ChangeFeed feed;
    /** Secrets looked up as keys though they lack a key's shape: only {@code gatehouse demo} adds one (see {@link #acceptDemoKey}). */
    private final Set<String> demoKeys = ConcurrentHashMap.newKeySet();

    public Identities(Vertx vertx, Database database, MeterRegistry meters, IdentityConfig config, Clock clock) {
        this.config = config;
        this.keys = new KeyStore(database.dataSource(), clock);
        this.users = new UserStore(database.dataSource(), config.passwordIterations(), clock);
        this.tierStore = new TierStore(database.dataSource());
        this.keyUses = new KeyUseWriter(vertx, keys);
        this.keyCache = new KeyCache(vertx, keys, keyUses, MAX_LOOKUPS, meters, clock);
        this.sessions = new SessionCache(vertx, users, MAX_LOOKUPS, meters, clock);
        this.jwts = new JwtVerdicts(vertx, config.jwt() == null ? null : new JwtVerifier(config.jwt(), clock), MAX_LOOKUPS, meters, clock);
        this.tiers = new TierRegistry(tierStore);
        this.feed = new ChangeFeed(database, clock, new ChangeFeed.Target() {
            @Override
            public void changed(String payload) throws SQLException {
                apply(payload);
            }

            @Override
            public void refresh() throws SQLException {
                readBack();
            }
        });
    }

    /**
     * Reads the tiers and creates the configured first admin when the database has no admin yet, then follows
     * changes and writes key use until {@link #close}. Blocking: call from the thread that starts the node.
     *
     * @throws IllegalStateException when PostgreSQL cannot give the tiers or take the admin (nothing is started then)
     */
    public void start() {
        try {
            tiers.reload();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read rate-limit tiers: " + e.getMessage(), e);
        }
        createFirstAdmin();
        feed.start();
        keyUses.start();
    }

    private void createFirstAdmin() {
        if (config.bootstrapAdminEmail() == null) {
            return;
        }
        try {
            if (users.createFirstAdmin(config.bootstrapAdminEmail(), config.bootstrapAdminPassword())) {
                log.info("created the first admin user {}", config.bootstrapAdminEmail());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the bootstrap admin: " + e.getMessage(), e);
        }
    }

    public KeyStore keys() {
        return keys;
    }

    public UserStore users() {
        return users;
    }

    public TierStore tierStore() {
        return tierStore;
    }

    /** Creates or replaces a tier; in effect on this node on return, on the others once they hear of it. */
    public void putTier(String name, List<RateLimit> limits) throws SQLException {
        tiers.put(name, limits);
    }

    /**
     * Deletes a tier no key or user has; gone on this node on return, on the others once they hear of it.
     *
     * @return false when there is no such tier
     * @throws Conflict as {@link TierStore#delete} does
     */
    public boolean deleteTier(String name) throws SQLException {
        return tiers.delete(name);
    }

    /** The limits of a tier, or null when there is no such tier. */
    public List<RateLimit> tier(String name) {
        return tiers.tier(name);
    }

    public Map<String, List<RateLimit>> tiers() {
        return tiers.tiers();
    }

    /** The identity of a presented key or session token, or empty when it is unknown, revoked or expired (indistinguishably). */
    public Future<Optional<Identity>> authenticate(String presented) {
        if (ApiKeys.looksLikeSession(presented)) {
            return sessions.authenticate(presented);
        }
        if (!ApiKeys.looksLikeKey(presented) && (demoKeys.isEmpty() || presented == null || !demoKeys.contains(presented))) {
            return Future.succeededFuture(Optional.empty());
        }
        return keyCache.authenticate(presented);
    }

    /**
     * Only for {@code gatehouse demo}: lets this node take {@code secret}, a key stored with
     * {@link KeyStore#createDemoKey} whose secret is not of the {@code gh_live_} shape (the reference walkthrough's
     * {@code admin-token-dev}). Held in memory only: a node the demo did not start never accepts it.
     */
    public void acceptDemoKey(String secret) {
        demoKeys.add(secret);
    }

    /** The identity in an end-user JWT, or empty when JWTs are not configured or this one is not valid. */
    public Future<Optional<Identity>> authenticateJwt(String token) {
        return jwts.authenticate(token);
    }

    /**
     * Drops this node's cached sessions of a user at once, after a change to the user; other nodes hear of
     * it through the change feed.
     */
    public void forgetSessionsOf(long userId) {
        sessions.forgetUser(userId);
    }

    /** Ends a session on every node. */
    public Future<Void> logout(String token) {
        if (!ApiKeys.looksLikeSession(token)) {
            return Future.succeededFuture();
        }
        return sessions.logout(token);
    }

    /** Applies one change notice, as {@link ChangeNotices} senders word them. */
    private void apply(String payload) throws SQLException {
        if (payload.startsWith("key:")) {
            keyCache.invalidate(payload.substring(4));
        } else if (payload.startsWith("session:")) {
            sessions.invalidate(payload.substring(8));
        } else if (payload.startsWith("user:")) {
            // a user changed or is gone: their sessions are read again (or found ended) on next use
            sessions.forgetUser(Long.parseLong(payload.substring(5)));
        } else if (payload.startsWith("tier:")) {
            tiers.reload();
        }
    }

    /**
     * Reads back every tier, key and session this node holds and replaces each with what PostgreSQL says
     * now (a key revoked meanwhile is then refused). Until it succeeds, the entries held keep serving.
     */
    private void readBack() throws SQLException {
        // a look-up running now may have read a change this node never heard of, and its credential is not yet cached to be read back
        keyCache.distrustRunning();
        sessions.distrustRunning();
        tiers.reload();
        keyCache.readBack();
        sessions.readBack();
    }

    /** Stops following changes and writes the key use noted since the last batch (blocking). */
    @Override
    public void close() {
        keyUses.close();
        feed.close();
    }
}
