package dev.gatehouse.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import dev.gatehouse.server.pipeline.Coalesced;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A cache of credentials and their look-ups off the event loop (in PostgreSQL for keys and sessions, the
 * signature check for JWTs). Concurrent look-ups of one credential share one query (a hot key that just left
 * the cache costs one query, not one per request), and
 * at most {@code max} distinct ones run or wait at once: past that a look-up fails at once with {@link Busy}
 * instead of queueing without bound behind a slow database (a flood of made-up keys cannot pile up work).
 *
 * <p>A look-up races the changes it may miss: its query can read a key just before a revocation commits and
 * return after the revocation's notice evicted the key. So every invalidation moves a generation, and a
 * look-up caches what it found only if the generation has not moved since it began; its callers still get
 * the answer (they raced the change), but nobody after them. The generation is one per cache, not one per
 * credential: some invalidations name no credential (a user's sessions, everything after a reconnect), they
 * are rare (an admin's action), and one that comes while a look-up runs costs at most one more query.
 */
final class Lookups<V> {
    private final Vertx vertx;
    private final int max;
    private final Cache<String, V> cache;
    private final Coalesced<V> inFlight = new Coalesced<>();
    private final Counter refused;
    /** Invalidations so far; written under this object's lock, together with what a look-up caches. */
    private volatile long generation;

    /** Too many look-ups are already waiting for the database. Stackless: a load condition, not a bug. */
    static final class Busy extends RuntimeException {
        Busy() {
            super("too many credential look-ups are waiting for PostgreSQL", null, false, false);
        }
    }

    private static final Busy BUSY = new Busy();

    Lookups(Vertx vertx, int max, String kind, MeterRegistry meters, Cache<String, V> cache) {
        this.vertx = vertx;
        this.max = max;
        this.cache = cache;
        Gauge.builder("gatehouse.identity.lookups.in.flight", inFlight, Coalesced::size).tag("kind", kind)
                .description("Credential look-ups running or waiting in PostgreSQL (at most " + max + ")").register(meters);
        this.refused = Counter.builder("gatehouse.identity.lookups.refused").tag("kind", kind)
                .description("Credential look-ups refused because " + max + " were already waiting (answered 503)").register(meters);
    }

    /**
     * What the cache holds for {@code id}, or else the result of {@code query}, shared with any look-up of
     * the same id begun since the last invalidation, and cached unless an invalidation comes before it ends.
     */
    Future<V> get(String id, Callable<V> query) {
        V cached = cache.getIfPresent(id);
        if (cached != null) {
            return Future.succeededFuture(cached);
        }
        // read after the miss: a miss that an invalidation caused sees that invalidation's generation
        long began = generation;
        // a look-up begun before an invalidation is not joined after it: it may have read what was invalidated
        String call = id + '@' + began;
        if (!inFlight.running(call) && inFlight.size() >= max) {
            refused.increment();
            return Future.failedFuture(BUSY);
        }
        return inFlight.join(call, () -> vertx.executeBlocking(() -> {
            V found = query.call();
            remember(id, found, began);
            return found;
        }, false));
    }

    /** Caches what a look-up begun at generation {@code began} found, unless something was invalidated since. */
    private synchronized void remember(String id, V found, long began) {
        if (generation == began) {
            cache.put(id, found);
        }
    }

    /**
     * Moves the generation, before the entries concerned leave the cache: a look-up that cached its result
     * before did so under the lock, so the eviction that follows sees (and drops) it; one that ends after caches nothing.
     */
    private synchronized void advance() {
        generation++;
    }

    /** Drops what is cached for {@code id}; a look-up of it running now caches nothing. */
    void invalidate(String id) {
        advance();
        cache.invalidate(id);
    }

    /** Drops every cached value {@code which} selects; no look-up running now caches anything. */
    void invalidateIf(Predicate<V> which) {
        advance();
        cache.asMap().values().removeIf(which);
    }

    /**
     * Keeps what is cached, but no look-up running now caches what it finds: anything may have changed
     * unheard (the change feed was away), and what is cached is about to be read back.
     */
    void distrustRunning() {
        advance();
    }

    /** What {@link #readBack} reads: the rows for a batch of ids that still exist, by id. */
    interface BatchRead<R> {
        Map<String, R> read(List<String> ids) throws SQLException;
    }

    /**
     * Replaces every entry held with what {@code read} finds for it now, a batch at a time ({@code value}
     * is given null for an id no longer found); until its batch is read, an entry keeps serving. Call after
     * {@link #distrustRunning}.
     */
    <R> void readBack(int batchSize, BatchRead<R> read, Function<R, V> value) throws SQLException {
        List<String> ids = List.copyOf(cache.asMap().keySet());
        for (int from = 0; from < ids.size(); from += batchSize) {
            List<String> batch = ids.subList(from, Math.min(ids.size(), from + batchSize));
            Map<String, R> found = read.read(batch);
            for (String id : batch) {
                cache.put(id, value.apply(found.get(id)));
            }
        }
    }
}
