package dev.gatehouse.server.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.gatehouse.core.config.CacheConfig;
import dev.gatehouse.core.time.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;

import com.github.benmanes.caffeine.cache.stats.CacheStats;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-process (L1) response cache, bounded by bytes. Entries are found in two steps: the request's
 * base key (route, path, query, caller) names the headers the stored answer varies on, and the full key
 * adds their values. An index by route and path lets a write to a resource drop every variant of it.
 */
public final class ResponseCache {

    private final Cache<String, CachedResponse> entries;
    private final Cache<String, List<String>> varyByBase;
    private final ConcurrentHashMap<String, Set<String>> keysByPath = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<String>> keysByTag = new ConcurrentHashMap<>();
    private final Ticker ticker;
    private final long l1TtlNanos;
    private volatile java.util.function.Consumer<String> broadcast = event -> { };

    public ResponseCache(CacheConfig config, Ticker ticker, MeterRegistry meters) {
        this.ticker = ticker;
        this.l1TtlNanos = config.l1Ttl().toNanos();
        this.entries = Caffeine.newBuilder()
                .maximumWeight(config.maxBytes())
                .weigher((String key, CachedResponse value) -> value.weight() + key.length())
                .expireAfter(Expiry.<String, CachedResponse>creating((k, v) -> java.time.Duration.ofNanos(Math.min(v.ttlNanos(), l1TtlNanos))))
                .ticker(ticker::read)
                .removalListener((String key, CachedResponse value, com.github.benmanes.caffeine.cache.RemovalCause cause) -> unindex(key))
                .recordStats()
                .build();
        this.varyByBase = Caffeine.newBuilder().maximumSize(100_000).ticker(ticker::read)
                .expireAfterWrite(config.l1Ttl().multipliedBy(2)).build();
        CaffeineCacheMetrics.monitor(meters, entries, "gatehouse.cache.l1");
    }

    long now() {
        return ticker.read();
    }

    /** The vary header names recorded for a base key, or null when nothing is stored under it. */
    List<String> varyNames(String baseKey) {
        return varyByBase.getIfPresent(baseKey);
    }

    CachedResponse get(String fullKey) {
        CachedResponse entry = entries.getIfPresent(fullKey);
        return entry != null && entry.freshAt(now()) ? entry : null;
    }

    void put(String pathKey, String baseKey, String fullKey, CachedResponse response) {
        varyByBase.put(baseKey, response.varyNames());
        keysByPath.computeIfAbsent(pathKey, k -> ConcurrentHashMap.newKeySet()).add(fullKey);
        for (String tag : response.tags()) {
            keysByTag.computeIfAbsent(tag, k -> ConcurrentHashMap.newKeySet()).add(fullKey);
        }
        entries.put(fullKey, response);
    }

    /** Where local invalidations are announced so other nodes apply them too (see {@link CacheBroadcast}). */
    void broadcastTo(java.util.function.Consumer<String> broadcast) {
        this.broadcast = broadcast;
    }

    /** Applies an invalidation announced by another node. */
    void applyRemote(String event) {
        if (event.startsWith("path:")) {
            dropPath(event.substring(5));
        } else if (event.startsWith("prefix:")) {
            String rest = event.substring(7);
            int cut = rest.indexOf('\u0002');
            dropPrefix(cut == 0 ? null : rest.substring(0, cut), rest.substring(cut + 1));
        } else if (event.startsWith("tag:")) {
            dropTag(event.substring(4));
        } else if (event.equals("clear")) {
            dropAll();
        }
    }

    /** Drops every stored variant of a route's path, here and on every node. */
    public int invalidatePath(String pathKey) {
        broadcast.accept("path:" + pathKey);
        return dropPath(pathKey);
    }

    private int dropPath(String pathKey) {
        Set<String> keys = keysByPath.remove(pathKey);
        if (keys == null) {
            return 0;
        }
        entries.invalidateAll(keys);
        return keys.size();
    }

    /** Drops every entry of a route whose path starts with {@code prefix} (any route when {@code route} is null), on every node. */
    public int invalidatePrefix(String route, String prefix) {
        broadcast.accept("prefix:" + (route == null ? "" : route) + "\u0002" + prefix);
        return dropPrefix(route, prefix);
    }

    private int dropPrefix(String route, String prefix) {
        int dropped = 0;
        for (String pathKey : keysByPath.keySet()) {
            int cut = pathKey.indexOf('\u0000');
            String keyRoute = pathKey.substring(0, cut);
            String path = pathKey.substring(cut + 1);
            if ((route == null || route.equals(keyRoute)) && path.startsWith(prefix)) {
                dropped += dropPath(pathKey);
            }
        }
        return dropped;
    }

    /** Drops every entry tagged {@code tag} by its {@code Surrogate-Key}, on every node. */
    public int invalidateTag(String tag) {
        broadcast.accept("tag:" + tag);
        return dropTag(tag);
    }

    private int dropTag(String tag) {
        Set<String> keys = keysByTag.remove(tag);
        if (keys == null) {
            return 0;
        }
        entries.invalidateAll(keys);
        return keys.size();
    }

    public void clear() {
        broadcast.accept("clear");
        dropAll();
    }

    private void dropAll() {
        entries.invalidateAll();
        keysByPath.clear();
        keysByTag.clear();
        varyByBase.invalidateAll();
    }

    /** Hits, misses, evictions, entries and bytes, as the admin API shows them. */
    public Map<String, Object> stats() {
        CacheStats stats = entries.stats();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("entries", entries.estimatedSize());
        out.put("bytes", weight());
        out.put("hits", stats.hitCount());
        out.put("misses", stats.missCount());
        out.put("hitRatio", stats.hitRate());
        out.put("evictions", stats.evictionCount());
        return out;
    }

    public long size() {
        return entries.estimatedSize();
    }

    public long weight() {
        return entries.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
    }

    private void unindex(String fullKey) {
        int cut = fullKey.indexOf('\u0001');
        if (cut > 0) {
            Set<String> keys = keysByPath.get(fullKey.substring(0, cut));
            if (keys != null) {
                keys.remove(fullKey);
            }
        }
    }
}
