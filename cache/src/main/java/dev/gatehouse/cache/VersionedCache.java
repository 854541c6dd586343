package dev.gatehouse.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.gatehouse.core.time.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Response;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * A two-level cache of values that carry a version (a number the source raises with every change): process
 * memory over Redis, where no level ever replaces a copy with an older one, so <b>a reader never sees an older
 * version of a key after a newer one was read</b> on the same node, and a slow load that read the source before
 * a change cannot put the old copy back after it.
 *
 * <ul>
 *   <li>Redis keeps each key as a hash (version, bytes, absent flag) written by a script that refuses an older
 *       version, so concurrent writers from any node converge on the newest.</li>
 *   <li>Each node remembers the highest version it has seen per key (its <i>floor</i>, bounded by
 *       {@code maxFloors}); a copy below it, from Redis or a load, is refused and the source asked again.</li>
 *   <li>A write ({@link #put}, {@link #putAbsent}) goes to Redis first and is then announced with its version;
 *       every other node drops an older copy from memory and raises its floor. With {@code confirmWithin} the
 *       write completes only once every node acknowledged (or that long passed), so a caller answered after
 *       an edit reads the edit from any node.</li>
 *   <li>"Absent" is a value too (a deleted key at its deletion's version, or a key the source does not have),
 *       so a flood of look-ups of a missing key does not reach the source.</li>
 * </ul>
 *
 * Without Redis it is a process cache with the same version rule. What it gives up: versions must come from
 * the source (a database sequence, a row version); a node whose floor for a key was evicted relies on Redis's
 * ordering alone; while Redis fails other nodes keep their copies until their in-process lifetime ends.
 */
public final class VersionedCache<V> {

    /** Where a copy came from. */
    public enum Level { L1, L2, SOURCE }

    /** A copy: the value (null when the key is known to be absent), its version, and where it came from. */
    public record Hit<V>(V value, long version, Level level) {
    }

    /**
     * @param name names the cache in metrics, Redis keys and announcements
     * @param maxBytes the in-process level's budget
     * @param l1Ttl the longest a copy stays in process when Redis holds it too
     * @param maxFloors how many keys' highest-seen versions this node remembers
     * @param confirmWithin how long a write waits for every other node to acknowledge it (zero: it does not wait)
     */
    public record Options(String name, long maxBytes, Duration l1Ttl, int maxFloors, Duration confirmWithin) {
        public Options {
            if (name == null || name.isBlank() || name.contains("|")) {
                throw new IllegalArgumentException("a cache needs a name without '|', got '" + name + "'");
            }
            if (maxBytes < 1024) {
                throw new IllegalArgumentException("maxBytes must be at least 1024, got " + maxBytes);
            }
            if (l1Ttl.isNegative() || l1Ttl.isZero()) {
                throw new IllegalArgumentException("l1Ttl must be positive, got " + l1Ttl);
            }
            if (maxFloors < 1) {
                throw new IllegalArgumentException("maxFloors must be at least 1, got " + maxFloors);
            }
            if (confirmWithin.isNegative()) {
                throw new IllegalArgumentException("confirmWithin must not be negative, got " + confirmWithin);
            }
        }
    }

    private record Held<V>(Hit<V> hit, long expiresAtNanos, int weight) {
    }

    /** Writes unless Redis holds this version or a newer one; 1 when written. */
    private static final RedisScript WRITE = new RedisScript("""
            local current = redis.call('HGET', KEYS[1], 'v')
            if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
            redis.call('HSET', KEYS[1], 'v', ARGV[1], 'b', ARGV[2], 'a', ARGV[3])
            redis.call('PEXPIRE', KEYS[1], ARGV[4])
            return 1
            """);
    /** Version, bytes, absent flag and the milliseconds left, or nil. */
    private static final RedisScript READ = new RedisScript("""
            local r = redis.call('HMGET', KEYS[1], 'v', 'b', 'a')
            if not r[1] then return nil end
            return {r[1], r[2] or '', r[3] or '0', redis.call('PTTL', KEYS[1])}
            """);
    private static final char SEPARATOR = '\u001e';

    private final Options options;
    private final CacheCodec<V> codec;
    private final ToLongFunction<V> versionOf;
    private final RedisLevel l2;
    private final InvalidationFeed feed;
    private final Clock clock;
    private final String topic;
    private final Cache<String, Held<V>> l1;
    private final Cache<String, Long> floors;
    private final Map<String, Future<Hit<V>>> loading = new ConcurrentHashMap<>();
    private final Counter l1Hits;
    private final Counter l2Hits;
    private final Counter misses;
    private final Counter refused;

    /**
     * @param versionOf a value's version (the source's, growing with every change)
     * @param l2 the shared level, or null for a process cache
     * @param feed where writes are announced to other nodes, or null
     */
    public VersionedCache(Options options, CacheCodec<V> codec, ToLongFunction<V> versionOf, RedisLevel l2, InvalidationFeed feed,
                          Clock clock, MeterRegistry meters) {
        this.options = options;
        this.codec = codec;
        this.versionOf = versionOf;
        this.l2 = l2;
        this.feed = feed;
        this.clock = clock;
        this.topic = "vcache:" + options.name();
        this.l1 = Caffeine.newBuilder()
                .executor(Runnable::run)
                .maximumWeight(options.maxBytes())
                .weigher((String key, Held<V> held) -> held.weight())
                .expireAfter(Expiry.<String, Held<V>>creating((key, held) -> Duration.ofNanos(Math.max(0, held.expiresAtNanos() - clock.read()))))
                .ticker(clock::read)
                .recordStats()
                .build();
        this.floors = Caffeine.newBuilder().executor(Runnable::run).maximumSize(options.maxFloors()).ticker(clock::read).build();
        CaffeineCacheMetrics.monitor(meters, l1, options.name());
        Gauge.builder("gatehouse.cache.bytes", this, VersionedCache::weight).tag("cache", options.name()).baseUnit("bytes")
                .description("Bytes held in process by a two-level cache (bounded by its maxBytes)").register(meters);
        Gauge.builder("gatehouse.cache.max.bytes", options, Options::maxBytes).tag("cache", options.name()).baseUnit("bytes")
                .description("The in-process byte budget of a two-level cache").register(meters);
        Gauge.builder("gatehouse.cache.version.floors", floors, Cache::estimatedSize).tag("cache", options.name())
                .description("Keys whose highest-seen version a versioned cache remembers (bounded by its maxFloors)").register(meters);
        this.refused = Counter.builder("gatehouse.cache.version.refused").tag("cache", options.name())
                .description("Copies a versioned cache refused for being older than a version it had already seen").register(meters);
        this.l1Hits = lookups(meters, "hit-l1");
        this.l2Hits = lookups(meters, "hit-l2");
        this.misses = lookups(meters, "miss");
        if (feed != null) {
            feed.listen(topic, this::onAnnouncement);
            feed.onReconnect(this::evictAllLocal);
        }
    }

    private Counter lookups(MeterRegistry meters, String result) {
        return Counter.builder("gatehouse.cache.lookups").tag("cache", options.name()).tag("result", result)
                .description("Reads of a two-level cache by key, each counted once: by the level that answered, or as a miss")
                .register(meters);
    }

    /** The copy held in process, or null. Never touches Redis. */
    public Hit<V> getLocal(String key) {
        Held<V> held = l1.getIfPresent(key);
        if (held == null) {
            return null;
        }
        l1Hits.increment();
        return held.hit();
    }

    /** The copy from process memory, else from Redis (when not older than this node's floor), else null. */
    public Future<Hit<V>> get(String key) {
        Hit<V> local = getLocal(key);
        return local != null ? Future.succeededFuture(local) : getShared(key);
    }

    /**
     * Cache-aside read: a cached copy, else {@code loader}'s (null: the source has no such key, remembered as
     * absent for {@code absentLifetime}). A loaded copy older than one this node has seen is refused and the
     * source asked again (twice at most, then the read fails). Concurrent calls for one key share one load.
     */
    public Future<Hit<V>> getOrLoad(String key, Duration lifetime, Duration absentLifetime, Supplier<Future<V>> loader) {
        Hit<V> local = getLocal(key);
        if (local != null) {
            return Future.succeededFuture(local);
        }
        Promise<Hit<V>> mine = Promise.promise();
        Future<Hit<V>> running = loading.putIfAbsent(key, mine.future());
        if (running != null) {
            return running;
        }
        getShared(key).compose(hit -> hit != null ? Future.succeededFuture(hit) : load(key, lifetime, absentLifetime, loader, 3))
                .onComplete(result -> {
                    loading.remove(key, mine.future());
                    mine.handle(result);
                });
        return mine.future();
    }

    private Future<Hit<V>> load(String key, Duration lifetime, Duration absentLifetime, Supplier<Future<V>> loader, int attempts) {
        return loader.get().compose(value -> {
            long floor = floor(key);
            if (value != null && versionOf.applyAsLong(value) < floor) {
                refused.increment();
                return attempts > 1 ? load(key, lifetime, absentLifetime, loader, attempts - 1)
                        : Future.failedFuture(new IllegalStateException("the source keeps answering version " + versionOf.applyAsLong(value)
                        + " of '" + key + "' after version " + floor + " was seen"));
            }
            long version = value == null ? Math.max(floor, 0) : versionOf.applyAsLong(value);
            Hit<V> hit = new Hit<>(value, version, Level.SOURCE);
            store(key, hit, value == null ? absentLifetime : lifetime);
            return Future.succeededFuture(hit);
        });
    }

    /**
     * Write-through after the source changed: the new copy in process here, in Redis (unless Redis has a newer
     * one), then announced so every other node drops an older copy. Completes when that is done (with
     * {@code confirmWithin}: when every node acknowledged or that long passed); never fails.
     */
    public Future<Void> put(String key, V value, Duration lifetime) {
        return write(key, new Hit<>(value, versionOf.applyAsLong(value), Level.SOURCE), lifetime);
    }

    /**
     * Keeps a copy just read from the source (warming, a bulk read), as a load would: here and in Redis, each
     * unless it holds a newer one, and not announced (nothing changed).
     */
    public Future<Void> fill(String key, V value, Duration lifetime) {
        long version = versionOf.applyAsLong(value);
        if (version < floor(key)) {
            refused.increment();
            return Future.succeededFuture();
        }
        return store(key, new Hit<>(value, version, Level.SOURCE), lifetime);
    }

    /** As {@link #put}, for a key the source deleted in the change that made {@code version}. */
    public Future<Void> putAbsent(String key, long version, Duration lifetime) {
        return write(key, new Hit<>(null, version, Level.SOURCE), lifetime);
    }

    private Future<Void> write(String key, Hit<V> hit, Duration lifetime) {
        Future<Void> stored = store(key, hit, lifetime);
        if (feed == null) {
            return stored;
        }
        String event = "v" + hit.version() + SEPARATOR + key;
        return stored.compose(v -> {
            if (options.confirmWithin().isZero()) {
                feed.publish(topic, event);
                return Future.succeededFuture();
            }
            return feed.publishConfirmed(topic, event, options.confirmWithin()).mapEmpty();
        });
    }

    /** Keeps {@code hit} in process unless a newer copy is there, and in Redis unless Redis has a newer one. */
    private Future<Void> store(String key, Hit<V> hit, Duration lifetime) {
        raiseFloor(key, hit.version());
        keepLocal(key, hit, clock.read() + lifetime.toNanos());
        if (l2 == null) {
            return Future.succeededFuture();
        }
        Buffer bytes = hit.value() == null ? Buffer.buffer() : codec.encode(hit.value());
        return l2.run(WRITE, List.of(l2Key(key)), List.of(hit.version(), bytes, hit.value() == null ? "1" : "0",
                Math.max(1, lifetime.toMillis()))).mapEmpty();
    }

    private void keepLocal(String key, Hit<V> hit, long expiresAtNanos) {
        if (hit.version() < floor(key)) {
            return; // a newer version was seen (and announced) while this copy was on its way
        }
        long until = l2 == null ? expiresAtNanos : Math.min(expiresAtNanos, clock.read() + options.l1Ttl().toNanos());
        int weight = (hit.value() == null ? 16 : codec.weigh(hit.value())) + 2 * key.length() + 64;
        Held<V> fresh = new Held<>(new Hit<>(hit.value(), hit.version(), Level.L1), until, weight);
        l1.asMap().compute(key, (k, current) -> current == null || current.hit().version() <= hit.version() ? fresh : current);
    }

    private Future<Hit<V>> getShared(String key) {
        if (l2 == null) {
            misses.increment();
            return Future.succeededFuture(null);
        }
        return l2.run(READ, List.of(l2Key(key)), List.of()).map(reply -> {
            Hit<V> hit = fromShared(key, reply);
            if (hit == null) {
                misses.increment();
            } else {
                l2Hits.increment();
            }
            return hit;
        });
    }

    private Hit<V> fromShared(String key, Response reply) {
        if (reply == null || reply.size() < 4) {
            return null;
        }
        long version;
        V value = null;
        try {
            version = Long.parseLong(reply.get(0).toString());
            if (!"1".equals(reply.get(2).toString())) {
                value = codec.decode(reply.get(1).toBuffer());
            }
        } catch (IllegalArgumentException e) {
            return null; // written by an incompatible version: a miss, overwritten by the next load
        }
        long remainingMillis = reply.get(3).toLong();
        if (version < floor(key)) {
            refused.increment();
            return null;
        }
        Hit<V> hit = new Hit<>(value, version, Level.L2);
        raiseFloor(key, version);
        if (remainingMillis > 0) {
            keepLocal(key, hit, clock.read() + remainingMillis * 1_000_000L);
        }
        return hit;
    }

    private void onAnnouncement(String event) {
        int cut = event.indexOf(SEPARATOR);
        if (!event.startsWith("v") || cut < 0) {
            return;
        }
        long version;
        try {
            version = Long.parseLong(event.substring(1, cut));
        } catch (NumberFormatException e) {
            return;
        }
        String key = event.substring(cut + 1);
        raiseFloor(key, version);
        l1.asMap().computeIfPresent(key, (k, held) -> held.hit().version() < version ? null : held);
    }

    private void raiseFloor(String key, long version) {
        floors.asMap().merge(key, version, Math::max);
    }

    /** The highest version this node has seen of {@code key}, or -1. */
    public long floor(String key) {
        Long floor = floors.getIfPresent(key);
        return floor == null ? -1 : floor;
    }

    /** Drops everything held in process (floors stay): after announcements may have been missed. */
    public void evictAllLocal() {
        l1.invalidateAll();
    }

    public long size() {
        return l1.estimatedSize();
    }

    public long weight() {
        return l1.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
    }

    /** Entries, bytes, hits by level, misses, refused copies, floors. */
    public Map<String, Object> stats() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("entries", l1.estimatedSize());
        out.put("bytes", weight());
        out.put("l1Hits", (long) l1Hits.count());
        out.put("l2Hits", (long) l2Hits.count());
        out.put("misses", (long) misses.count());
        out.put("refusedOlder", (long) refused.count());
        out.put("floors", floors.estimatedSize());
        out.put("l2", l2 == null ? "absent" : l2.available() ? "available" : "unavailable");
        return out;
    }

    private String l2Key(String key) {
        return "v:" + options.name() + ":" + key;
    }
}
