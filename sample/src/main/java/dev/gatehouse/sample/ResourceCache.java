package dev.gatehouse.sample;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.cache.CacheCodec;
import dev.gatehouse.cache.InvalidationFeed;
import dev.gatehouse.cache.RedisLevel;
import dev.gatehouse.cache.TwoLevelCache;
import dev.gatehouse.sample.ResourceStore.Resource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;

import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Cache-aside reads of resources by id on the two-level cache (process memory, then Redis when the
 * instance has one), dropped on every write, here, in Redis and on every other instance.
 */
public final class ResourceCache {

    /** Resources as the JSON Redis keeps. */
    static final CacheCodec<Resource> CODEC = new CacheCodec<>() {
        @Override
        public Buffer encode(Resource r) {
            return SampleService.toJson(r).toBuffer();
        }

        @Override
        public Resource decode(Buffer bytes) {
            try {
                JsonObject j = new JsonObject(bytes);
                return new Resource(j.getLong("id"), j.getString("name"), j.getString("type"), j.getString("createdAt"), j.getString("updatedAt"));
            } catch (DecodeException | ClassCastException | NullPointerException e) {
                throw new IllegalArgumentException("not a cached resource", e);
            }
        }

        @Override
        public int weigh(Resource r) {
            return 128 + 2 * (r.name().length() + r.type().length() + r.createdAt().length() + r.updatedAt().length());
        }
    };

    private final TwoLevelCache<Resource> cache;
    private final Duration lifetime;

    public ResourceCache(TwoLevelCache<Resource> cache, Duration lifetime) {
        this.cache = cache;
        this.lifetime = lifetime;
    }

    /** A cache in this process only, for an instance without Redis. */
    public static ResourceCache inProcess(Duration lifetime) {
        return new ResourceCache(new TwoLevelCache<>(new TwoLevelCache.Options("resources", 16L * 1024 * 1024, lifetime), CODEC,
                null, null, Clock.system(), new SimpleMeterRegistry()), lifetime);
    }

    /**
     * A cache whose shared level is in Redis (keys under {@code keyPrefix}) and whose invalidations reach
     * every instance: process memory keeps a resource at most 5 s, Redis for {@code lifetime}.
     */
    public static ResourceCache shared(Vertx vertx, String redisUrl, String keyPrefix, String instanceId, Duration lifetime) {
        MeterRegistry meters = new SimpleMeterRegistry();
        RedisLevel l2 = new RedisLevel(Redis.createClient(vertx, redisUrl), keyPrefix, Duration.ofMillis(250), meters);
        InvalidationFeed feed = new InvalidationFeed(vertx, redisUrl, keyPrefix + "invalidations", instanceId, meters);
        return new ResourceCache(new TwoLevelCache<>(new TwoLevelCache.Options("resources", 16L * 1024 * 1024, Duration.ofSeconds(5)),
                CODEC, l2, feed, Clock.system(), meters), lifetime);
    }

    /** The resource with this id from a cache level, else from {@code load} (null when there is none). */
    public Future<TwoLevelCache.Hit<Resource>> find(long id, Supplier<Future<Resource>> load) {
        return cache.getOrLoad(key(id), lifetime, load);
    }

    public Future<Void> invalidate(long id) {
        return cache.invalidate(key(id));
    }

    public Map<String, Object> stats() {
        return cache.stats();
    }

    private static String key(long id) {
        return "resource:" + id;
    }
}
