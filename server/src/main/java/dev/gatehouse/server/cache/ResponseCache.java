package dev.gatehouse.server.cache;

import dev.gatehouse.cache.CacheClock;
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
 * Redis when configured) plus indexes by route+path and by {@code Surrogate-Key} tag, kept in process
 * and in Redis, so a write or a purge drops every stored variant everywhere.
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
    public ResponseCache(CacheConfig config, CacheClock clock, RedisLevel l2, InvalidationFeed feed, MeterRegistry meters) {
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

    /** The entry for a request, from process memory or Redis; {@code fullKey} turns vary names into the full key. */
    Future<Hit<CachedResponse>> find(String baseKey, Function<List<String>, String> fullKey) {
        return store.get(baseKey).compose(hit -> {
            if (hit == null || !hit.value().isVaryMarker()) {
                return Future.succeededFuture(indexed(baseKey, hit));
            }
            String key = fullKey.apply(hit.value().varyNames());
            return store.get(key).map(variant -> variant != null && variant.value().isVaryMarker() ? null : indexed(key, variant));
        });
    }

    /** The entry for a request from process memory only, or null. */
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
            l2.index(PATH_INDEX + pathKeyOf(key), key, longestLifetime);
            for (String tag : response.tags()) {
                l2.index(TAG_INDEX + tag, key, longestLifetime);
            }
        }
    }

    private void indexLocally(String key, CachedResponse response) {
        keysByPath.computeIfAbsent(pathKeyOf(key), k -> ConcurrentHashMap.newKeySet()).add(key);
        for (String tag : response.tags()) {
            keysByTag.computeIfAbsent(tag, k -> ConcurrentHashMap.newKeySet()).add(key);
        }
    }

    private void unindex(String key, CachedResponse response) {
        if (response.isVaryMarker()) {
            return;
        }
        Set<String> keys = keysByPath.get(pathKeyOf(key));
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

    /** {@code route \0 path}: how entries are grouped for invalidation by path. */
    public static String pathKey(String route, String path) {
        return route + '\u0000' + path;
    }

    private static String pathKeyOf(String key) {
        int first = key.indexOf('\u0000');
        int second = key.indexOf('\u0000', first + 1);
        return second < 0 ? key : key.substring(0, second);
    }

    /** Drops every stored variant of a route's path, here, in Redis and on every node; completes with how many. */
    public Future<Integer> invalidatePath(String pathKey) {
        announce("path:" + pathKey);
        return dropShared(PATH_INDEX + pathKey, dropPath(pathKey));
    }

    /** Drops every entry of a route whose path starts with {@code prefix} (any route when {@code route} is null). */
    public Future<Integer> invalidatePrefix(String route, String prefix) {
        announce("prefix:" + (route == null ? "" : route) + "\u0002" + prefix);
        Set<String> local = dropPrefix(route, prefix);
        if (l2 == null) {
            return Future.succeededFuture(local.size());
        }
        String pattern = RedisLevel.globEscape(PATH_INDEX) + (route == null ? "*" : RedisLevel.globEscape(route)) + "\u0000"
                + RedisLevel.globEscape(prefix) + "*";
        return l2.scan(pattern).compose(indexes -> {
            List<Future<Set<String>>> each = new ArrayList<>();
            for (String index : indexes) {
                each.add(sharedMembers(index));
            }
            return Future.all(each).compose(all -> {
                Set<String> keys = new HashSet<>(local);
                for (int i = 0; i < all.size(); i++) {
                    keys.addAll(all.<Set<String>>resultAt(i));
                }
                return deleteShared(keys, indexes);
            });
        });
    }

    /** Drops every entry tagged {@code tag} by its {@code Surrogate-Key}, everywhere. */
    public Future<Integer> invalidateTag(String tag) {
        announce("tag:" + tag);
        return dropShared(TAG_INDEX + tag, dropTag(tag));
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

    private Future<Integer> dropShared(String index, Set<String> local) {
        if (l2 == null) {
            return Future.succeededFuture(local.size());
        }
        return sharedMembers(index).compose(shared -> {
            Set<String> keys = new HashSet<>(local);
            keys.addAll(shared);
            return deleteShared(keys, List.of(index));
        });
    }

    private Future<Set<String>> sharedMembers(String index) {
        return l2.members(index).map(HashSet::new);
    }

    private Future<Integer> deleteShared(Set<String> keys, List<String> indexes) {
        List<String> doomed = new ArrayList<>(indexes);
        keys.forEach(k -> doomed.add("responses:" + k));
        return l2.delete(doomed).map(v -> keys.size());
    }

    private Set<String> dropPath(String pathKey) {
        Set<String> keys = keysByPath.remove(pathKey);
        if (keys == null) {
            return Set.of();
        }
        store.evictLocal(keys);
        return keys;
    }

    private Set<String> dropPrefix(String route, String prefix) {
        Set<String> dropped = new HashSet<>();
        for (String pathKey : keysByPath.keySet()) {
            int cut = pathKey.indexOf('\u0000');
            if ((route == null || route.equals(pathKey.substring(0, cut))) && pathKey.startsWith(prefix, cut + 1)) {
                dropped.addAll(dropPath(pathKey));
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

    public long size() {
        return store.size();
    }

    public long weight() {
        return store.weight();
    }
}
