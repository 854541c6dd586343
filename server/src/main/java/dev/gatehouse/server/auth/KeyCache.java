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
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * API keys as the request path sees them: cached in process by the hash of the key (bounded; unknown keys
 * are remembered briefly so a flood of bad keys does not reach PostgreSQL), looked up through {@link Lookups}
 * on a miss, each use noted for {@link KeyUseWriter}.
 */
final class KeyCache {
    private static final Duration KNOWN_TTL = Duration.ofMinutes(10);
    private static final Duration UNKNOWN_TTL = Duration.ofSeconds(10);
    /** Longest list of hashes read back in one statement. */
    private static final int READ_BACK_BATCH = 1000;

    /**
     * A key as the cache holds it: its record, the identity it gives (built once, not per request) and
     * when its use was last noted (epoch ms).
     */
    private record KnownKey(ApiKeyRecord record, Optional<Identity> identity, AtomicLong notedMillis) {
        static KnownKey of(ApiKeyRecord record) {
            return new KnownKey(record, Optional.of(Identity.of(record)), new AtomicLong());
        }
    }

    private final KeyStore keys;
    private final Clock clock;
    private final KeyUseWriter uses;
    private final Cache<String, Optional<KnownKey>> cache;
    private final Lookups<Optional<KnownKey>> lookups;

    KeyCache(Vertx vertx, KeyStore keys, KeyUseWriter uses, int maxLookups, MeterRegistry meters, Clock clock) {
        this.clock = clock;
        this.keys = keys;
        this.uses = uses;
        // cache upkeep runs on the thread that reads (an event loop), amortised, instead of waking a pool thread
        this.cache = Caffeine.newBuilder()
                .ticker(clock::read)
                .executor(Runnable::run)
                .maximumSize(100_000)
                .expireAfter(Expiry.<String, Optional<KnownKey>>creating((k, v) -> v.isPresent() ? KNOWN_TTL : UNKNOWN_TTL))
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(meters, cache, "gatehouse.api.keys");
        this.lookups = new Lookups<>(vertx, maxLookups, "api-key", meters, cache);
    }

    /** The identity of a presented API key, or empty when it is unknown, revoked or expired (indistinguishably). */
    Future<Optional<Identity>> authenticate(String presented) {
        byte[] hash = ApiKeys.hash(presented);
        return lookups.get(HexFormat.of().formatHex(hash), () -> keys.findByHash(hash).map(KnownKey::of)).map(this::usable);
    }

    /** The key's identity if it may be used now; notes its use (at most once a second per key). */
    private Optional<Identity> usable(Optional<KnownKey> known) {
        if (known.isEmpty()) {
            return Optional.empty();
        }
        KnownKey key = known.get();
        long now = clock.epochMillis();
        if (now >= key.record().usableUntilMillis()) {
            return Optional.empty();
        }
        // at most one write a second per key: a hot key used from every event loop would otherwise contend on one entry
        long noted = key.notedMillis().get();
        if (now - noted > 1000 && key.notedMillis().compareAndSet(noted, now)) {
            uses.note(key.record().id(), now);
        }
        return key.identity();
    }

    /** Drops the key with this hash (hex); a look-up of it running now caches nothing. */
    void invalidate(String hexHash) {
        lookups.invalidate(hexHash);
    }

    /** See {@link Lookups#distrustRunning}: call before {@link #readBack}. */
    void distrustRunning() {
        lookups.distrustRunning();
    }

    /**
     * Replaces every key held with what PostgreSQL says now (one that is gone or revoked is then refused),
     * in batches; until a batch is read, its keys keep serving.
     */
    void readBack() throws SQLException {
        lookups.readBack(READ_BACK_BATCH, keys::findByHashes, record -> record == null ? Optional.empty() : Optional.of(KnownKey.of(record)));
    }
}
