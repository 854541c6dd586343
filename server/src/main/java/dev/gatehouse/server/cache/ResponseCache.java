package dev.gatehouse.server.cache;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.cache.InvalidationFeed;
import dev.gatehouse.cache.RedisLevel;
import dev.gatehouse.cache.TwoLevelCache;
import dev.gatehouse.cache.TwoLevelCache.Hit;
import dev.gatehouse.core.config.CacheConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The node's response cache: a {@link TwoLevelCache} of {@link CachedResponse}s (process memory, then
 * Redis when configured) plus indexes by path (across routes, so a write through any route drops what
 * every route stored for that path) and by {@code Surrogate-Key} tag, kept in process and in Redis, so a
 * write or a purge drops every stored variant everywhere.
 *
 * <p>Entries are found in two steps: the request's base key (route, path, query, caller) holds the
 * answer itself, or a vary marker naming the headers its variants differ on; the full key adds their values.
 */
public final class ResponseCache {
    private static final String TOPIC = "responses";
    private static final String PATH_INDEX = "responses:p:";
    private static final String TAG_INDEX = "responses:t:";

    private final TwoLevelCache<CachedResponse> store;
    private final RedisLevel l2;
    private final InvalidationFeed feed;
    private final ConcurrentHashMap<String, Set<String>> keysByPath = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<String>> keysByTag = new ConcurrentHashMap<>();
    private final Counter hitsL1;
    private final Counter hitsL2;
    private final Counter misses;
    private final Counter staleServed;

    /**
     * @param l2 the Redis level, or null for process memory only
     * @param feed where invalidations reach other nodes, or null
     */
    public ResponseCache(CacheConfig config, Clock clock, RedisLevel l2, InvalidationFeed feed, MeterRegistry meters) {
        this.l2 = l2;
        this.feed = feed;
        this.store = new TwoLevelCache<>(new TwoLevelCache.Options("responses", config.maxBytes(), config.l1Ttl()),
                CachedResponse.CODEC, l2, null, clock, meters);
        store.onEviction(this::unindex);
        this.hitsL1 = served(meters, "hit-l1");
        this.hitsL2 = served(meters, "hit-l2");
        this.misses = served(meters, "miss");
        this.staleServed = served(meters, "stale");
        if (feed != null) {
            feed.listen(TOPIC, this::applyRemote);
        }
    }

    private static Counter served(MeterRegistry meters, String result) {
        return Counter.builder("gatehouse.cache.responses").tag("result", result)
                .description("Cacheable requests on this node by how they were answered").register(meters);
    }

    long nowMillis() {
        return store.clock().epochMillis();
    }

    void countHit(TwoLevelCache.Level level) {
        (level == TwoLevelCache.Level.L1 ? hitsL1 : hitsL2).increment();
    }

    void countMiss() {
        misses.increment();
    }

    void countStale() {
        staleServed.increment();
    }

    /**
     * The entry for a request from Redis (after {@link #findLocal} found nothing), filling process memory;
     * {@code fullKey} turns vary names into the full key. Completes with null on a miss (at once without
     * Redis); never fails.
     */
    Future<Hit<CachedResponse>> findShared(String baseKey, Function<List<String>, String> fullKey) {
        // each key read once, so look-ups count reads as requests count requests: a vary marker findLocal
        // just read is peeked at, not read again, and the key that missed is read from Redis (or, without
        // Redis, counted as the miss it was)
        CachedResponse localMarker = store.peekLocal(baseKey);
        if (localMarker != null && !localMarker.isVaryMarker()) {
            localMarker = null; // stored since findLocal looked, by another event loop: read as usual
        }
        Future<Hit<CachedResponse>> base = localMarker != null ? Future.succeededFuture(new Hit<>(localMarker, TwoLevelCache.Level.L1))
                : store.getShared(baseKey);
        return base.compose(hit -> {
            if (hit == null || !hit.value().isVaryMarker()) {
                return Future.succeededFuture(indexed(baseKey, hit));
            }
            String key = fullKey.apply(hit.value().varyNames());
            return store.getShared(key).map(variant -> variant != null && variant.value().isVaryMarker() ? null : indexed(key, variant));
        });
    }

    /** The entry for a request from process memory only, or null; synchronous, for the hit path. */
    CachedResponse findLocal(String baseKey, Function<List<String>, String> fullKey) {
        CachedResponse entry = store.getLocal(baseKey);
        if (entry != null && entry.isVaryMarker()) {
            entry = store.getLocal(fullKey.apply(entry.varyNames()));
        }
        return entry == null || entry.isVaryMarker() ? null : entry;
    }

    /** An entry that came from Redis is indexed here too, so local purges find it. */
    private Hit<CachedResponse> indexed(String key, Hit<CachedResponse> hit) {
        if (hit != null && hit.level() == TwoLevelCache.Level.L2 && !hit.value().isVaryMarker()) {
            indexLocally(key, hit.value());
        }
        return hit;
    }

    /**
     * Stores an answer under {@code key} (and a vary marker under {@code baseKey} when they differ).
     *
     * @param longestLifetime the longest any entry of this route can live, for the Redis indexes' expiry
     */
    void put(String baseKey, String key, CachedResponse response, Duration longestLifetime) {
        Duration lifetime = Duration.ofMillis(response.lifetimeMillis());
        if (!key.equals(baseKey)) {
            store.put(baseKey, CachedResponse.varyMarker(response.varyNames(), response.storedAtMillis(), response.lifetimeMillis()), lifetime);
        }
        store.put(key, response, lifetime);
        indexLocally(key, response);
        if (l2 != null) {
            l2.index(PATH_INDEX + pathOf(key), key, longestLifetime);
            for (String tag : response.tags()) {
                l2.index(TAG_INDEX + tag, key, longestLifetime);
            }
        }
    }

    private void indexLocally(String key, CachedResponse response) {
        keysByPath.computeIfAbsent(pathOf(key), k -> ConcurrentHashMap.newKeySet()).add(key);
        for (String tag : response.tags()) {
            keysByTag.computeIfAbsent(tag, k -> ConcurrentHashMap.newKeySet()).add(key);
        }
    }

    private void unindex(String key, CachedResponse response) {
        if (response.isVaryMarker()) {
            return;
        }
        Set<String> keys = keysByPath.get(pathOf(key));
        if (keys != null) {
            keys.remove(key);
        }
        for (String tag : response.tags()) {
            Set<String> tagged = keysByTag.get(tag);
            if (tagged != null) {
                tagged.remove(key);
            }
        }
    }

    /** The path an entry's key names (keys are {@code route \0 path \0 query ...}, see {@link dev.gatehouse.core.cache.CacheKey}). */
    private static String pathOf(String key) {
        int first = key.indexOf('\u0000');
        int second = key.indexOf('\u0000', first + 1);
        return second < 0 ? key.substring(first + 1) : key.substring(first + 1, second);
    }

    private static boolean ofRoute(String key, String route) {
        return route == null || (key.startsWith(route) && key.length() > route.length() && key.charAt(route.length()) == '\u0000');
    }

    /**
     * Drops every stored variant of a path (of one route, or of every route when {@code route} is null),
     * here, in Redis and on every node; completes with how many entries.
     */
    public Future<Integer> invalidatePath(String route, String path) {
        announce("path:" + (route == null ? "" : route) + "\u0002" + path);
        return dropShared(route, List.of(PATH_INDEX + path), dropPath(route, path));
    }

    /** Drops every entry of a route whose path starts with {@code prefix} (any route when {@code route} is null). */
    public Future<Integer> invalidatePrefix(String route, String prefix) {
        announce("prefix:" + (route == null ? "" : route) + "\u0002" + prefix);
        Set<String> local = dropPrefix(route, prefix);
        if (l2 == null) {
            return Future.succeededFuture(local.size());
        }
        return l2.scan(RedisLevel.globEscape(PATH_INDEX + prefix) + "*").compose(indexes -> dropShared(route, indexes, local));
    }

    /** Drops every entry tagged {@code tag} by its {@code Surrogate-Key}, everywhere. */
    public Future<Integer> invalidateTag(String tag) {
        announce("tag:" + tag);
        return dropShared(null, List.of(TAG_INDEX + tag), dropTag(tag));
    }

    /** Drops every stored answer, everywhere (in Redis, only the response cache's own keys). */
    public Future<Void> clear() {
        announce("clear");
        dropAll();
        return store.clear();
    }

    private void announce(String event) {
        if (feed != null) {
            feed.publish(TOPIC, event);
        }
    }

    /** Applies an invalidation another node announced: it has already dropped the entries from Redis. */
    void applyRemote(String event) {
        if (event.startsWith("path:") || event.startsWith("prefix:")) {
            String rest = event.substring(event.indexOf(':') + 1);
            int cut = rest.indexOf('\u0002');
            String route = cut == 0 ? null : rest.substring(0, cut);
            if (event.startsWith("path:")) {
                dropPath(route, rest.substring(cut + 1));
            } else {
                dropPrefix(route, rest.substring(cut + 1));
            }
        } else if (event.startsWith("tag:")) {
            dropTag(event.substring(4));
        } else if (event.equals("clear")) {
            dropAll();
        }
    }

    /**
     * Deletes from Redis the entries the index sets name (those of {@code route} only, when given) plus
     * the ones dropped locally; index sets are deleted when they were emptied for every route.
     */
    private Future<Integer> dropShared(String route, List<String> indexes, Set<String> local) {
        if (l2 == null) {
            return Future.succeededFuture(local.size());
        }
        List<Future<List<String>>> each = new ArrayList<>();
        indexes.forEach(index -> each.add(l2.members(index)));
        return Future.all(each).compose(all -> {
            Set<String> keys = new HashSet<>(local);
            for (int i = 0; i < all.size(); i++) {
                for (String key : all.<List<String>>resultAt(i)) {
                    if (ofRoute(key, route)) {
                        keys.add(key);
                    }
                }
            }
            List<String> doomed = new ArrayList<>(route == null ? indexes : List.of());
            keys.forEach(k -> doomed.add("responses:" + k));
            return l2.delete(doomed).map(v -> keys.size());
        });
    }

    private Set<String> dropPath(String route, String path) {
        Set<String> keys = keysByPath.get(path);
        if (keys == null) {
            return Set.of();
        }
        Set<String> dropped = new HashSet<>();
        for (String key : keys) {
            if (ofRoute(key, route)) {
                dropped.add(key);
            }
        }
        keys.removeAll(dropped);
        if (keys.isEmpty()) {
            keysByPath.remove(path, keys);
        }
        store.evictLocal(dropped);
        return dropped;
    }

    private Set<String> dropPrefix(String route, String prefix) {
        Set<String> dropped = new HashSet<>();
        for (String path : keysByPath.keySet()) {
            if (path.startsWith(prefix)) {
                dropped.addAll(dropPath(route, path));
            }
        }
        return dropped;
    }

    private Set<String> dropTag(String tag) {
        Set<String> keys = keysByTag.remove(tag);
        if (keys == null) {
            return Set.of();
        }
        store.evictLocal(keys);
        return keys;
    }

    private void dropAll() {
        store.evictAllLocal();
        keysByPath.clear();
        keysByTag.clear();
    }

    /** Hits by level, misses, stale serves, evictions, entries and bytes, as the admin API shows them. */
    public Map<String, Object> stats() {
        Map<String, Object> out = new LinkedHashMap<>();
        long l1 = (long) hitsL1.count();
        long l2Hits = (long) hitsL2.count();
        long stale = (long) staleServed.count();
        long missed = (long) misses.count();
        long total = l1 + l2Hits + stale + missed;
        out.put("entries", store.size());
        out.put("bytes", store.weight());
        out.put("l1Hits", l1);
        out.put("l2Hits", l2Hits);
        out.put("hits", l1 + l2Hits);
        out.put("staleServed", stale);
        out.put("misses", missed);
        out.put("hitRatio", total == 0 ? 0.0 : (double) (l1 + l2Hits + stale) / total);
        out.put("evictions", store.evictions());
        out.put("l2", l2 == null ? "absent" : l2.available() ? "available" : "unavailable");
        return out;
    }
}
