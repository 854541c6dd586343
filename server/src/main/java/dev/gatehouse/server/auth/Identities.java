package dev.gatehouse.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.server.store.Database;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Key, session and tier look-ups for the request path. Keys are cached in process (bounded; unknown keys are
 * remembered briefly so a flood of bad keys does not reach PostgreSQL); a revocation or tier change on
 * any node reaches every node's cache through PostgreSQL {@code LISTEN/NOTIFY} within a second. When the
 * feed reconnects after losing PostgreSQL, what is cached keeps serving until it has been read back. A
 * look-up that raced a change (read before it, ended after the node heard of it) answers its own callers
 * but caches nothing (see {@link Lookups}).
 * {@code last_used_at} is written in batches, never once per request.
 */
public final class Identities implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Identities.class);
    private static final Duration KNOWN_TTL = Duration.ofMinutes(10);
    private static final Duration UNKNOWN_TTL = Duration.ofSeconds(10);

    private final Vertx vertx;
    private final Database database;
    private final KeyStore keys;
    private final TierStore tierStore;
    /**
     * A key as the cache holds it: its record, the identity it gives (built once, not per request) and
     * when its use was last noted (epoch ms).
     */
    private record KnownKey(ApiKeyRecord record, Optional<Identity> identity, AtomicLong notedMillis) {
        static KnownKey of(ApiKeyRecord record) {
            return new KnownKey(record, Optional.of(Identity.of(record)), new AtomicLong());
        }
    }

    /** Distinct credentials looked up in PostgreSQL at once, per kind; more are refused (503) rather than queued. */
    static final int MAX_LOOKUPS = 256;

    private final Cache<String, Optional<KnownKey>> cache;
    private final Lookups<Optional<KnownKey>> keyLookups;
    private final Lookups<Optional<UserStore.Session>> sessionLookups;
    private final Cache<String, Optional<UserStore.Session>> sessions;
    private final UserStore users;
    private final JwtVerifier jwt;
    private final Cache<String, Optional<JwtVerifier.Verified>> tokens;
    private final Lookups<Optional<JwtVerifier.Verified>> tokenChecks;
    private final Map<Long, Instant> used = new ConcurrentHashMap<>();
    private volatile Map<String, List<RateLimit>> tiers;
    private final ChangeFeed feed;
    private final long flushTimer;

    public Identities(Vertx vertx, Database database, MeterRegistry meters, int passwordIterations, JwtVerifier jwt) {
        this.vertx = vertx;
        this.database = database;
        this.keys = new KeyStore(database.dataSource());
        this.tierStore = new TierStore(database.dataSource());
        // cache upkeep runs on the thread that reads (an event loop), amortised, instead of waking a pool thread
        this.cache = Caffeine.newBuilder()
                .executor(Runnable::run)
                .maximumSize(100_000)
                .expireAfter(Expiry.<String, Optional<KnownKey>>creating((k, v) -> v.isPresent() ? KNOWN_TTL : UNKNOWN_TTL))
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(meters, cache, "gatehouse.api.keys");
        this.sessions = Caffeine.newBuilder()
                .executor(Runnable::run)
                .maximumSize(100_000)
                .expireAfter(Expiry.<String, Optional<UserStore.Session>>creating((k, v) -> v.isPresent() ? KNOWN_TTL : UNKNOWN_TTL))
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(meters, sessions, "gatehouse.sessions");
        this.keyLookups = new Lookups<>(vertx, MAX_LOOKUPS, "api-key", meters, cache);
        this.sessionLookups = new Lookups<>(vertx, MAX_LOOKUPS, "session", meters, sessions);
        this.users = new UserStore(database.dataSource(), passwordIterations);
        this.jwt = jwt;
        // verification results are remembered briefly; a valid one is still checked against its own exp on every use
        this.tokens = Caffeine.newBuilder().executor(Runnable::run).maximumSize(100_000).expireAfterWrite(Duration.ofSeconds(30)).build();
        this.tokenChecks = new Lookups<>(vertx, MAX_LOOKUPS, "jwt", meters, tokens);
        try {
            this.tiers = tierStore.all();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read rate-limit tiers: " + e.getMessage(), e);
        }
        this.feed = new ChangeFeed(database, new ChangeFeed.Target() {
            @Override
            public void changed(String payload) throws SQLException {
                apply(payload);
            }

            @Override
            public void refresh() throws SQLException {
                revalidate();
            }
        });
        this.feed.start();
        this.flushTimer = vertx.setPeriodic(10_000, id -> flushLastUsed());
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
        tierStore.put(name, limits);
        reloadTiers();
    }

    /**
     * Deletes a tier no key or user has; gone on this node on return, on the others once they hear of it.
     *
     * @return false when there is no such tier
     * @throws Conflict as {@link TierStore#delete} does
     */
    public boolean deleteTier(String name) throws SQLException {
        boolean deleted = tierStore.delete(name);
        if (deleted) {
            reloadTiers();
        }
        return deleted;
    }

    /**
     * Reads every tier again. One read at a time (edits here, notices, the read-back after a reconnect), so
     * the last to replace the tiers is the latest to have read them: an older read cannot undo a newer one.
     */
    private void reloadTiers() throws SQLException {
        synchronized (tierStore) {
            tiers = tierStore.all();
        }
    }

    /** The limits of a tier, or null when there is no such tier. */
    public List<RateLimit> tier(String name) {
        return tiers.get(name);
    }

    public Map<String, List<RateLimit>> tiers() {
        return tiers;
    }

    /** The identity of a presented key or session token, or empty when it is unknown, revoked or expired (indistinguishably). */
    public Future<Optional<Identity>> authenticate(String presented) {
        if (ApiKeys.looksLikeSession(presented)) {
            return session(presented);
        }
        if (!ApiKeys.looksLikeKey(presented)) {
            return Future.succeededFuture(Optional.empty());
        }
        byte[] hash = ApiKeys.hash(presented);
        return keyLookups.get(HexFormat.of().formatHex(hash), () -> keys.findByHash(hash).map(KnownKey::of)).map(this::usable);
    }

    /** The key's identity if it may be used now; notes its use (at most once a second per key). */
    private Optional<Identity> usable(Optional<KnownKey> known) {
        if (known.isEmpty()) {
            return Optional.empty();
        }
        KnownKey key = known.get();
        long now = System.currentTimeMillis();
        if (now >= key.record().usableUntilMillis()) {
            return Optional.empty();
        }
        // at most one write a second per key: a hot key used from every event loop would otherwise contend on one entry
        long noted = key.notedMillis().get();
        if (now - noted > 1000 && key.notedMillis().compareAndSet(noted, now)) {
            used.put(key.record().id(), Instant.ofEpochMilli(now));
        }
        return key.identity();
    }

    private Future<Optional<Identity>> session(String token) {
        byte[] hash = ApiKeys.hash(token);
        Future<Optional<UserStore.Session>> found = sessionLookups.get(HexFormat.of().formatHex(hash), () -> users.session(hash));
        return found.map(s -> s.filter(x -> Instant.now().isBefore(x.expiresAt())).map(x -> Identity.of(x.user())));
    }

    /** The identity in an end-user JWT, or empty when JWTs are not configured or this one is not valid. */
    public Future<Optional<Identity>> authenticateJwt(String token) {
        if (jwt == null) {
            return Future.succeededFuture(Optional.empty());
        }
        String id = HexFormat.of().formatHex(ApiKeys.hash(token));
        Future<Optional<JwtVerifier.Verified>> checked = tokenChecks.get(id, () -> {
            try {
                return Optional.of(jwt.verify(token));
            } catch (com.nimbusds.jose.KeySourceException e) {
                // the signing keys could not be fetched (the JWKS URL is down): no verdict on the token, nothing remembered
                log.warn("cannot check JWTs: {}", e.getMessage());
                throw new IllegalStateException("the JWT signing keys cannot be fetched: " + e.getMessage(), e);
            } catch (Exception e) {
                log.debug("JWT refused: {}", e.getMessage());
                return Optional.empty();
            }
        });
        return checked.map(v -> v.filter(x -> System.currentTimeMillis() < x.untilMillis()).map(JwtVerifier.Verified::identity));
    }

    /**
     * Drops this node's cached sessions of a user at once, after a change to the user; other nodes hear of
     * it through the change feed.
     */
    public void forgetSessionsOf(long userId) {
        sessionLookups.invalidateIf(s -> s.isPresent() && s.get().user().id() == userId);
    }

    /** Ends a session on every node. */
    public Future<Void> logout(String token) {
        if (!ApiKeys.looksLikeSession(token)) {
            return Future.succeededFuture();
        }
        byte[] hash = ApiKeys.hash(token);
        sessionLookups.invalidate(HexFormat.of().formatHex(hash));
        return vertx.executeBlocking(() -> {
            users.logout(hash);
            return null;
        }, false);
    }

    private void flushLastUsed() {
        if (used.isEmpty()) {
            return;
        }
        Map<Long, Instant> batch = new HashMap<>(used);
        batch.forEach(used::remove); // remove(key, value): a use recorded meanwhile stays for the next flush
        vertx.executeBlocking(() -> {
            keys.markUsed(batch);
            return null;
        }, false).onFailure(e -> log.warn("could not record key use: {}", e.getMessage()));
    }

    private void apply(String payload) throws SQLException {
        if (payload.startsWith("key:")) {
            keyLookups.invalidate(payload.substring(4));
        } else if (payload.startsWith("session:")) {
            sessionLookups.invalidate(payload.substring(8));
        } else if (payload.startsWith("user:")) {
            // a user changed or is gone: their sessions are read again (or found ended) on next use
            forgetSessionsOf(Long.parseLong(payload.substring(5)));
        } else if (payload.startsWith("tier:")) {
            reloadTiers();
        }
    }

    /** Longest list of hashes read back in one statement while revalidating. */
    private static final int REVALIDATE_BATCH = 1000;

    /**
     * Reads back every tier, key and session this node holds and replaces each with what PostgreSQL says
     * now (a key revoked meanwhile is then refused). Until it succeeds, the entries held keep serving.
     */
    private void revalidate() throws SQLException {
        // a look-up running now may have read a change this node never heard of, and its credential is not yet cached to be read back
        keyLookups.distrustRunning();
        sessionLookups.distrustRunning();
        reloadTiers();
        List<String> keyIds = List.copyOf(cache.asMap().keySet());
        for (int from = 0; from < keyIds.size(); from += REVALIDATE_BATCH) {
            List<String> batch = keyIds.subList(from, Math.min(keyIds.size(), from + REVALIDATE_BATCH));
            Map<String, ApiKeyRecord> found = keys.findByHashes(batch);
            for (String id : batch) {
                ApiKeyRecord record = found.get(id);
                cache.put(id, record == null ? Optional.empty() : Optional.of(KnownKey.of(record)));
            }
        }
        List<String> sessionIds = List.copyOf(sessions.asMap().keySet());
        for (int from = 0; from < sessionIds.size(); from += REVALIDATE_BATCH) {
            List<String> batch = sessionIds.subList(from, Math.min(sessionIds.size(), from + REVALIDATE_BATCH));
            Map<String, UserStore.Session> found = users.sessions(batch);
            for (String id : batch) {
                sessions.put(id, Optional.ofNullable(found.get(id)));
            }
        }
    }

    @Override
    public void close() {
        vertx.cancelTimer(flushTimer);
        flushLastUsed();
        feed.close();
    }
}
