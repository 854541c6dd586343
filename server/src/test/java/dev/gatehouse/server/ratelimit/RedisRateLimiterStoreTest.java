package dev.gatehouse.server.ratelimit;

import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.core.ratelimit.RateLimiterStore;
import dev.gatehouse.core.ratelimit.RateLimiterStoreContract;
import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The Redis store against a real Redis, held to the same contract as the in-process store. */
class RedisRateLimiterStoreTest extends RateLimiterStoreContract {

    static Vertx vertx;
    static Redis redis;
    static RedisNamespace namespace;
    static RedisRateLimiterStore store;

    @BeforeAll
    static void connect() {
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, TestRedis.url());
        namespace = TestRedis.newNamespace();
        store = new RedisRateLimiterStore(redis, namespace.prefix());
    }

    @AfterAll
    static void disconnect() {
        namespace.close();
        redis.close();
        vertx.close();
    }

    @Override
    protected RateLimiterStore store() {
        return store;
    }

    @Override
    protected String key() {
        return "contract:" + UUID.randomUUID();
    }

    @Test
    void redisTimeIsUsedWhenTheCallerGivesNone() {
        List<RateLimit> one = List.of(RateLimit.perMinute(1));
        String key = key();
        assertThat(store.acquire(key, Algorithm.GCRA, one, 1, RateLimiterStore.STORE_CLOCK).toCompletableFuture().join().allowed()).isTrue();
        assertThat(store.acquire(key, Algorithm.GCRA, one, 1, RateLimiterStore.STORE_CLOCK).toCompletableFuture().join().allowed()).isFalse();
    }
}
