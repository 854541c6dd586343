package dev.gatehouse.cache;

import dev.gatehouse.core.time.Clock;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * A two-level cache: L1 in process (Caffeine, bounded by bytes, entries kept at most {@code l1Ttl} so
 * other nodes' writes show through quickly) over an optional shared L2 in Redis (entries kept for their
 * full lifetime). An L2 hit fills L1. Invalidations drop both levels here and, through the
 * {@link InvalidationFeed}, L1 on every other node. Without Redis it is an in-process cache whose
 * entries live their full lifetime.
 *
 * <p>Values are immutable; what Redis holds is the value's {@link CacheCodec} bytes behind its expiry time.
 *
 * <p>An entry may carry tags ({@link #put(String, Object, Duration, Collection)}): {@link #invalidateTag} drops every
 * entry with a tag at once, on every node, without the caller knowing their keys (e.g. every cached view of one
 * record, whatever its parameters). Redis keeps a set of keys per tag; process memory is scanned, which is why
 * tag invalidation is for occasional group drops, not for every request.
 */
public final class TwoLevelCache<V> {

    /** Where a value was found: process memory, Redis, or (for {@link #getOrLoad}) the source itself. */
    public enum Level { L1, L2, SOURCE }

    /** A value and the level it came from. */
    public record Hit<V>(V value, Level level) {
    }

    /**
     * @param name names the cache in metrics, in Redis keys and on the invalidation feed
     * @param maxBytes the in-process level's budget (values' weights plus keys)
     * @param l1Ttl the longest an entry stays in process when there is a shared level
     */
    public record Options(String name, long maxBytes, Duration l1Ttl) {
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
        }
    }

    private record Held<V>(V value, long expiresAtNanos, int weight, Collection<String> tags) {
    }

    private static final char KEY_SEPARATOR = '\u001e';

    private final Options options;
    private final CacheCodec<V> codec;
    private final RedisLevel l2;
    private final InvalidationFeed feed;
    private final Clock clock;
    private final Cache<String, Held<V>> l1;
    private final Map<String, Future<Hit<V>>> loading = new ConcurrentHashMap<>();
    private final Counter l1Hits;
    private final Counter l2Hits;
    private final Counter misses;
    private volatile BiConsumer<String, V> evictionListener = (k, v) -> { };

    /**
     * @param l2 the shared level, or null for an in-process cache
     * @param feed where invalidations are announced to other nodes, or null
     */
    public TwoLevelCache(Options options, CacheCodec<V> codec, RedisLevel l2, InvalidationFeed feed, Clock clock, MeterRegistry meters) {
        this.options = options;
        this.codec = codec;
        this.l2 = l2;
        this.feed = feed;
        this.clock = clock;
        this.l1 = Caffeine.newBuilder()
                // upkeep (and the eviction listener) runs on the thread that touched the cache, amortised,
                // instead of waking a pool thread on every busy read
                .executor(Runnable::run)
                .maximumWeight(options.maxBytes())
                .weigher((String key, Held<V> held) -> held.weight())
                .expireAfter(Expiry.<String, Held<V>>creating((key, held) -> Duration.ofNanos(Math.max(0, held.expiresAtNanos() - clock.read()))))
                .ticker(clock::read)
                .evictionListener((String key, Held<V> held, RemovalCause cause) -> {
                    if (key != null && held != null) {
                        evictionListener.accept(key, held.value());
                    }
                })
                .recordStats()
                .build();
        // tagged cache=<name> like the other Caffeine caches (Prometheus needs one tag set per meter name)
        CaffeineCacheMetrics.monitor(meters, l1, options.name());
        Gauge.builder("gatehouse.cache.bytes", this, TwoLevelCache::weight).tag("cache", options.name()).baseUnit("bytes")
                .description("Bytes held in process by a two-level cache (bounded by its maxBytes)").register(meters);
        Gauge.builder("gatehouse.cache.max.bytes", options, Options::maxBytes).tag("cache", options.name()).baseUnit("bytes")
                .description("The in-process byte budget of a two-level cache").register(meters);
        this.l1Hits = lookups(meters, "hit-l1");
        this.l2Hits = lookups(meters, "hit-l2");
        this.misses = lookups(meters, "miss");
        if (feed != null) {
            feed.listen("cache:" + options.name(), this::onRemoteInvalidation);
        }
    }

    private Counter lookups(MeterRegistry meters, String result) {
        return Counter.builder("gatehouse.cache.lookups").tag("cache", options.name()).tag("result", result)
                .description("Reads of a two-level cache by key, each counted once: by the level that answered, or as a miss")
                .register(meters);
    }

    /**
     * Called, synchronously, when the in-process level evicts an entry (for its size budget or its
     * expiry), for callers that index entries; explicit invalidations and replacements are not reported.
     */
    public void onEviction(BiConsumer<String, V> listener) {
        this.evictionListener = listener;
    }

    public boolean shared() {
        return l2 != null;
    }

    public Clock clock() {
        return clock;
    }

    /** The value held in process, or null. Never touches Redis. */
    public V getLocal(String key) {
        Held<V> held = l1.getIfPresent(key);
        if (held == null) {
            return null;
        }
        l1Hits.increment();
        return held.value();
    }

    /** The value held in process, or null, without counting a look-up: for a second look at a key just read. */
    public V peekLocal(String key) {
        Held<V> held = l1.getIfPresent(key);
        return held == null ? null : held.value();
    }

    /** The value from process memory, else from Redis (filling process memory), else null. Never fails. */
    public Future<Hit<V>> get(String key) {
        V local = getLocal(key);
        if (local != null) {
            return Future.succeededFuture(new Hit<>(local, Level.L1));
        }
        return getShared(key);
    }

    /**
     * The value from Redis only (filling process memory), or null; for callers that already looked in process
     * memory. Without Redis, null at once, counted as the miss it is.
     */
    public Future<Hit<V>> getShared(String key) {
        if (l2 == null) {
            misses.increment();
            return Future.succeededFuture(null);
        }
        return l2.get(l2Key(key)).map(bytes -> {
            V value = bytes == null ? null : fromShared(key, bytes);
            if (value == null) {
                misses.increment();
                return null;
            }
            l2Hits.increment();
            return new Hit<>(value, Level.L2);
        });
    }

    /**
     * Stores {@code value} for {@code lifetime} in both levels. It is in process memory on return; the
     * future completes when Redis has it too (callers on a request path need not wait for that).
     */
    public Future<Void> put(String key, V value, Duration lifetime) {
        return put(key, value, lifetime, List.of());
    }

    /**
     * As {@link #put(String, Object, Duration)}, the entry carrying {@code tags} for {@link #invalidateTag}. A tag
     * seen on another node only through Redis is not known there (its copy, read from Redis, carries none), so
     * such copies are dropped by key: Redis's set of the tag's keys is what every node's drop works from.
     */
    public Future<Void> put(String key, V value, Duration lifetime, Collection<String> tags) {
        putLocal(key, value, clock.read() + lifetime.toNanos(), tags);
        if (l2 == null) {
            return Future.succeededFuture();
        }
        Buffer bytes = Buffer.buffer().appendLong(clock.epochMillis() + lifetime.toMillis()).appendBuffer(codec.encode(value));
        Future<Void> stored = l2.set(l2Key(key), bytes, lifetime);
        if (tags.isEmpty()) {
            return stored;
        }
        List<Future<Void>> all = new ArrayList<>();
        all.add(stored);
        tags.forEach(tag -> all.add(l2.index(tagIndex(tag), key, lifetime)));
        return Future.all(all).mapEmpty();
    }

    /**
     * Drops every entry tagged {@code tag}: from process memory here (a scan), from Redis (the keys its set for
     * the tag names, then the set) and from every other node's memory (each scans its own, and drops the keys
     * from Redis's set). Completes with how many distinct keys were dropped here or in Redis.
     */
    public Future<Integer> invalidateTag(String tag) {
        Set<String> dropped = dropTagLocally(tag);
        if (l2 == null) {
            return Future.succeededFuture(dropped.size());
        }
        return l2.members(tagIndex(tag)).compose(keys -> {
            dropped.addAll(keys);
            if (!keys.isEmpty()) {
                l1.invalidateAll(keys);
            }
            if (feed != null && !keys.isEmpty()) {
                // every node that keeps a tagged entry put its key in Redis's set, so an empty set means none to tell;
                // sent after the members are known, so the other nodes' drop by key covers copies read from Redis
                feed.publish("cache:" + options.name(), "t" + tag + KEY_SEPARATOR + String.join(String.valueOf(KEY_SEPARATOR), keys));
            }
            List<String> doomed = new ArrayList<>(keys.stream().map(this::l2Key).toList());
            doomed.add(tagIndex(tag));
            return l2.delete(doomed).map(n -> dropped.size());
        });
    }

    private Set<String> dropTagLocally(String tag) {
        Set<String> keys = new HashSet<>();
        l1.asMap().forEach((key, held) -> {
            if (held.tags().contains(tag)) {
                keys.add(key);
            }
        });
        l1.invalidateAll(keys);
        return keys;
    }

    /**
     * Cache-aside read: the cached value, else {@code loader}'s, stored for {@code lifetime}; null when the
     * loader finds nothing (which is not stored). Concurrent calls for one key on this node share one load.
     */
    public Future<Hit<V>> getOrLoad(String key, Duration lifetime, Supplier<Future<V>> loader) {
        V local = getLocal(key);
        if (local != null) {
            return Future.succeededFuture(new Hit<>(local, Level.L1));
        }
        Promise<Hit<V>> mine = Promise.promise();
        Future<Hit<V>> running = loading.putIfAbsent(key, mine.future());
        if (running != null) {
            return running;
        }
        get(key).compose(hit -> hit != null ? Future.succeededFuture(hit) : loader.get().map(value -> {
            if (value == null) {
                return null;
            }
            put(key, value, lifetime);
            return new Hit<>(value, Level.SOURCE);
        })).onComplete(result -> {
            loading.remove(key, mine.future());
            mine.handle(result);
        });
        return mine.future();
    }

    /** Drops these keys from both levels here and from process memory on every other node. */
    public Future<Void> invalidate(Collection<String> keys) {
        if (keys.isEmpty()) {
            return Future.succeededFuture();
        }
        l1.invalidateAll(keys);
        if (feed != null) {
            feed.publish("cache:" + options.name(), "k" + String.join(String.valueOf(KEY_SEPARATOR), keys));
        }
        return l2 == null ? Future.succeededFuture() : l2.delete(keys.stream().map(this::l2Key).toList()).mapEmpty();
    }

    public Future<Void> invalidate(String key) {
        return invalidate(List.of(key));
    }

    /** Drops these keys from this process only (another node already dropped them from Redis). */
    public void evictLocal(Collection<String> keys) {
        l1.invalidateAll(keys);
    }

    public void evictAllLocal() {
        l1.invalidateAll();
    }

    /** Drops everything this cache holds: here, in Redis (only its own keys), and in every node's process memory. */
    public Future<Void> clear() {
        l1.invalidateAll();
        if (feed != null) {
            feed.publish("cache:" + options.name(), "clear");
        }
        if (l2 == null) {
            return Future.succeededFuture();
        }
        return l2.scan(RedisLevel.globEscape(options.name() + ":") + "*").compose(l2::delete).mapEmpty();
    }

    private void onRemoteInvalidation(String event) {
        if (event.equals("clear")) {
            l1.invalidateAll();
        } else if (event.startsWith("t")) {
            String[] parts = event.substring(1).split(String.valueOf(KEY_SEPARATOR), -1);
            dropTagLocally(parts[0]);
            l1.invalidateAll(Arrays.asList(parts).subList(1, parts.length));
        } else if (event.startsWith("k")) {
            l1.invalidateAll(Arrays.asList(event.substring(1).split(String.valueOf(KEY_SEPARATOR), -1)));
        }
    }

    /** Entries, bytes, hits by level, misses and evictions, as an admin page shows them. */
    public Map<String, Object> stats() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("entries", l1.estimatedSize());
        out.put("bytes", weight());
        out.put("l1Hits", (long) l1Hits.count());
        out.put("l2Hits", (long) l2Hits.count());
        out.put("misses", (long) misses.count());
        out.put("evictions", l1.stats().evictionCount());
        out.put("l2", l2 == null ? "absent" : l2.available() ? "available" : "unavailable");
        return out;
    }

    public long size() {
        return l1.estimatedSize();
    }

    /** Bytes held in process. */
    public long weight() {
        return l1.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
    }

    public long evictions() {
        return l1.stats().evictionCount();
    }

    private void putLocal(String key, V value, long expiresAtNanos, Collection<String> tags) {
        long l1Until = l2 == null ? expiresAtNanos : Math.min(expiresAtNanos, clock.read() + options.l1Ttl().toNanos());
        int tagBytes = tags.stream().mapToInt(t -> 2 * t.length() + 16).sum();
        l1.put(key, new Held<>(value, l1Until, codec.weigh(value) + 2 * key.length() + 48 + tagBytes, List.copyOf(tags)));
    }

    private V fromShared(String key, Buffer bytes) {
        if (bytes.length() < 8) {
            return null;
        }
        long remainingMillis = bytes.getLong(0) - clock.epochMillis();
        if (remainingMillis <= 0) {
            return null;
        }
        V value;
        try {
            value = codec.decode(bytes.slice(8, bytes.length()));
        } catch (IllegalArgumentException e) {
            return null; // written by an incompatible version: a miss, overwritten on the next store
        }
        putLocal(key, value, clock.read() + remainingMillis * 1_000_000L, List.of());
        return value;
    }

    private String l2Key(String key) {
        return options.name() + ":" + key;
    }

    /** Redis's set of the keys tagged {@code tag}: under the cache's own name, so {@link #clear} drops it too. */
    private String tagIndex(String tag) {
        return options.name() + ":\u001ftag:" + tag;
    }
}
