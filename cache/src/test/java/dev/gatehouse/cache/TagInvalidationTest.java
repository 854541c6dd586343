package dev.gatehouse.cache;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.core.time.ManualTicker;
import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.gatehouse.cache.TwoLevelCacheTest.STRINGS;
import static dev.gatehouse.cache.TwoLevelCacheTest.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Tags on the two-level cache, on real Redis: one call drops every entry with a tag, on every node. */
class TagInvalidationTest {
    static Vertx vertx;
    static RedisNamespace namespace;
    static Redis redis;
    static final ManualTicker ticker = new ManualTicker();

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        namespace = TestRedis.newNamespace();
        redis = Redis.createClient(vertx, TestRedis.url());
    }

    @AfterAll
    static void stop() {
        redis.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
        namespace.close();
    }

    static TwoLevelCache<String> node(String name, String nodeId) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RedisLevel l2 = new RedisLevel(redis, namespace.prefix(), Duration.ofMillis(500), meters);
        InvalidationFeed feed = new InvalidationFeed(vertx, TestRedis.url(), namespace.prefix() + "feed-" + name, nodeId, meters);
        await().atMost(Duration.ofSeconds(5)).until(feed::subscribed);
        return new TwoLevelCache<>(new TwoLevelCache.Options(name, 1024 * 1024, Duration.ofSeconds(30)), STRINGS, l2, feed, Clock.of(ticker), meters);
    }

    @Test
    void invalidatingATagDropsEveryEntryWithItOnEveryNodeAndNothingElse() {
        TwoLevelCache<String> a = node("tagged", "a");
        TwoLevelCache<String> b = node("tagged", "b");
        result(a.put("stats:1:jan", "10 clicks", Duration.ofMinutes(1), List.of("link:1")));
        result(a.put("stats:1:feb", "20 clicks", Duration.ofMinutes(1), List.of("link:1", "owner:alice")));
        result(b.put("stats:1:mar", "30 clicks", Duration.ofMinutes(1), List.of("link:1")));
        result(a.put("stats:2:jan", "5 clicks", Duration.ofMinutes(1), List.of("link:2")));
        // b holds a's entries too, read from Redis (its copies carry no tags of their own)
        assertThat(result(b.get("stats:1:jan")).value()).isEqualTo("10 clicks");
        assertThat(result(b.get("stats:1:feb")).value()).isEqualTo("20 clicks");

        assertThat(result(a.invalidateTag("link:1"))).isEqualTo(3);

        for (String key : List.of("stats:1:jan", "stats:1:feb", "stats:1:mar")) {
            assertThat(a.getLocal(key)).isNull();
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(b.getLocal(key)).as(key).isNull());
            assertThat(result(a.get(key))).as("%s gone from Redis", key).isNull();
        }
        assertThat(result(b.get("stats:2:jan")).value()).as("another tag's entry stays").isEqualTo("5 clicks");
        assertThat(result(a.invalidateTag("link:1"))).as("the tag's set went with it").isZero();
    }

    @Test
    void withoutRedisATagIsDroppedFromProcessMemory() {
        TwoLevelCache<String> local = new TwoLevelCache<>(new TwoLevelCache.Options("local-tags", 64 * 1024, Duration.ofSeconds(5)), STRINGS,
                null, null, Clock.of(ticker), new SimpleMeterRegistry());
        local.put("a", "1", Duration.ofMinutes(1), List.of("t"));
        local.put("b", "2", Duration.ofMinutes(1), List.of("u"));
        assertThat(result(local.invalidateTag("t"))).isEqualTo(1);
        assertThat(local.getLocal("a")).isNull();
        assertThat(local.getLocal("b")).isEqualTo("2");
    }
}
