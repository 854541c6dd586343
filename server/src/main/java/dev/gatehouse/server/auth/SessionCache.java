package dev.gatehouse.server.auth;

import dev.gatehouse.core.time.Clock;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.gatehouse.core.identity.ApiKeys;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Login sessions as the request path sees them: cached in process by the hash of the token (bounded;
 * unknown tokens are remembered briefly), looked up through {@link Lookups} on a miss; a session past its
 * expiry is refused whatever the cache holds.
 */
final class SessionCache {
    private static final Duration KNOWN_TTL = Duration.ofMinutes(10);
    private static final Duration UNKNOWN_TTL = Duration.ofSeconds(10);
    /** Longest list of hashes read back in one statement. */
    private static final int READ_BACK_BATCH = 1000;

    private final Vertx vertx;
    private final UserStore users;
    private final Clock clock;
    private final Cache<String, Optional<UserStore.Session>> cache;
    private final Lookups<Optional<UserStore.Session>> lookups;

    SessionCache(Vertx vertx, UserStore users, int maxLookups, MeterRegistry meters, Clock clock) {
        this.clock = clock;
        this.vertx = vertx;
        this.users = users;
        // cache upkeep runs on the thread that reads (an event loop), amortised, instead of waking a pool thread
        this.cache = Caffeine.newBuilder()
                .ticker(clock::read)
                .executor(Runnable::run)
                .maximumSize(100_000)
                .expireAfter(Expiry.<String, Optional<UserStore.Session>>creating((k, v) -> v.isPresent() ? KNOWN_TTL : UNKNOWN_TTL))
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(meters, cache, "gatehouse.sessions");
        this.lookups = new Lookups<>(vertx, maxLookups, "session", meters, cache);
    }

    /** The identity of a session token's user, or empty when the session is unknown, ended or expired. */
    Future<Optional<Identity>> authenticate(String token) {
        byte[] hash = ApiKeys.hash(token);
        Future<Optional<UserStore.Session>> found = lookups.get(HexFormat.of().formatHex(hash), () -> users.session(hash));
        return found.map(s -> s.filter(x -> clock.instant().isBefore(x.expiresAt())).map(x -> Identity.of(x.user())));
    }

    /** Ends a session: dropped here at once, on the other nodes once they hear of it. */
    Future<Void> logout(String token) {
        byte[] hash = ApiKeys.hash(token);
        lookups.invalidate(HexFormat.of().formatHex(hash));
        return vertx.executeBlocking(() -> {
            users.logout(hash);
            return null;
        }, false);
    }

    /** Drops the session with this token hash (hex); a look-up of it running now caches nothing. */
    void invalidate(String hexHash) {
        lookups.invalidate(hexHash);
    }

    /** Drops every cached session of a user; no session look-up running now caches anything. */
    void forgetUser(long userId) {
        lookups.invalidateIf(s -> s.isPresent() && s.get().user().id() == userId);
    }

    /** See {@link Lookups#distrustRunning}: call before {@link #readBack}. */
    void distrustRunning() {
        lookups.distrustRunning();
    }

    /**
     * Replaces every session held with what PostgreSQL says now (one ended meanwhile, or whose user is gone
     * or disabled, is then refused), in batches; until a batch is read, its sessions keep serving.
     */
    void readBack() throws SQLException {
        lookups.readBack(READ_BACK_BATCH, users::sessions, Optional::ofNullable);
    }
}
