package dev.gatehouse.server.jobs;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.redis.RedisBreaker;
import dev.gatehouse.server.ratelimit.RedisRateLimiterStore;
import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/** The quota in Redis: the pace decided by the gateway's exact limiter. */
class RedisQuotaStoreTest extends QuotaStoreContract {
    static Vertx vertx;
    static Redis redis;
    static RedisNamespace namespace;
    static RedisRateLimiterStore limiter;

    @BeforeAll
    static void open() {
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, TestRedis.url());
        namespace = TestRedis.newNamespace();
        limiter = new RedisRateLimiterStore(redis, namespace.prefix() + "rl:", Duration.ofSeconds(5),
                new RedisBreaker("test", LoggerFactory.getLogger(RedisQuotaStoreTest.class), "degraded ({})", "recovered"), new SimpleMeterRegistry());
    }

    @AfterAll
    static void close() {
        namespace.close();
        redis.close();
        vertx.close();
    }

    @Override
    QuotaStore store() {
        return new RedisQuotaStore(limiter, redis, namespace.prefix() + "jobs:", Duration.ofSeconds(1), Clock.system());
    }
}
