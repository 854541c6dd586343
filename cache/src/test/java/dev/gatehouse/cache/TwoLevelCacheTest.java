package dev.gatehouse.cache;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.core.time.ManualTicker;
import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Redis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class TwoLevelCacheTest {

    static final CacheCodec<String> STRINGS = new CacheCodec<>() {
        @Override
        public Buffer encode(String value) {
            return Buffer.buffer(value);
        }

        @Override
        public String decode(Buffer bytes) {
            return bytes.toString();
        }

        @Override
        public int weigh(String value) {
            return value.length() * 2;
        }
    };

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

    /** One node's cache: its own process level, the shared Redis level and feed. */
    static TwoLevelCache<String> node(String name, String nodeId) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RedisLevel l2 = new RedisLevel(redis, namespace.prefix(), Duration.ofMillis(500), meters);
        InvalidationFeed feed = new InvalidationFeed(vertx, TestRedis.url(), namespace.prefix() + "feed", nodeId, meters);
        return new TwoLevelCache<>(new TwoLevelCache.Options(name, 1024 * 1024, Duration.ofSeconds(5)), STRINGS, l2, feed,
                Clock.of(ticker), meters);
    }

    static <T> T result(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A loader that counts its calls and answers after the event loop's next turn. */
    static final class Loader {
        final AtomicInteger calls = new AtomicInteger();

        Future<String> load(String value) {
            calls.incrementAndGet();
            Promise<String> answer = Promise.promise();
            vertx.setTimer(20, t -> answer.complete(value));
            return answer.future();
        }
    }

    @Test
    void aValueLoadedOnOneNodeIsReadFromRedisByAnother() {
        TwoLevelCache<String> a = node("items", "a");
        TwoLevelCache<String> b = node("items", "b");
        Loader loader = new Loader();
        TwoLevelCache.Hit<String> loaded = result(a.getOrLoad("item:1", Duration.ofMinutes(1), () -> loader.load("one")));
        assertThat(loaded.value()).isEqualTo("one");
        assertThat(loaded.level()).isEqualTo(TwoLevelCache.Level.SOURCE);
        TwoLevelCache.Hit<String> again = result(a.getOrLoad("item:1", Duration.ofMinutes(1), () -> loader.load("again")));
        assertThat(again.value()).isEqualTo("one");
        assertThat(again.level()).isEqualTo(TwoLevelCache.Level.L1);
        // the Redis write is not awaited by getOrLoad: the first hit on the other node comes once it lands
        List<TwoLevelCache.Hit<String>> seen = new ArrayList<>();
        await().atMost(Duration.ofSeconds(2)).until(() -> seen.add(result(b.get("item:1"))) && seen.get(seen.size() - 1) != null);
        TwoLevelCache.Hit<String> remote = seen.get(seen.size() - 1);
        assertThat(remote.value()).isEqualTo("one");
        assertThat(remote.level()).isEqualTo(TwoLevelCache.Level.L2);
        assertThat(result(b.get("item:1")).level()).as("an L2 hit fills L1").isEqualTo(TwoLevelCache.Level.L1);
        assertThat(loader.calls).hasValue(1);
    }

    @Test
    void concurrentLoadsOfOneKeyShareOneLoad() {
        TwoLevelCache<String> a = node("shared-load", "a");
        Loader loader = new Loader();
        List<Future<TwoLevelCache.Hit<String>>> reads = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            reads.add(a.getOrLoad("report", Duration.ofMinutes(1), () -> loader.load("report")));
        }
        reads.forEach(r -> assertThat(result(r).value()).isEqualTo("report"));
        assertThat(loader.calls).hasValue(1);
    }

    @Test
    void anInvalidationReachesRedisAndEveryNodesMemory() {
        TwoLevelCache<String> a = node("invalidated", "a");
        TwoLevelCache<String> b = node("invalidated", "b");
        result(a.put("item:2", "old", Duration.ofMinutes(1)));
        assertThat(result(b.get("item:2")).value()).isEqualTo("old");
        assertThat(b.getLocal("item:2")).isEqualTo("old");

        result(a.invalidate("item:2"));
        assertThat(a.getLocal("item:2")).isNull();
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(b.getLocal("item:2")).isNull());
        assertThat(result(b.get("item:2"))).as("gone from Redis too").isNull();
    }

    @Test
    void entriesExpireInBothLevelsAndProcessMemoryForgetsFirst() {
        TwoLevelCache<String> a = node("expiring", "a");
        result(a.put("short", "value", Duration.ofSeconds(30)));
        ticker.advance(Duration.ofSeconds(6)); // past l1Ttl (5 s)
        assertThat(a.getLocal("short")).isNull();
        assertThat(result(a.get("short")).level()).isEqualTo(TwoLevelCache.Level.L2);
        ticker.advance(Duration.ofSeconds(30)); // past the entry's own lifetime
        assertThat(result(a.get("short"))).isNull();
    }

    @Test
    void processMemoryStaysWithinItsByteBudget() {
        TwoLevelCache<String> a = new TwoLevelCache<>(new TwoLevelCache.Options("bounded", 64 * 1024, Duration.ofSeconds(5)),
                STRINGS, null, null, Clock.of(ticker), new SimpleMeterRegistry());
        String kilobyte = "x".repeat(512);
        for (int i = 0; i < 1000; i++) {
            a.put("k" + i, kilobyte, Duration.ofMinutes(1));
        }
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(a.weight()).isLessThanOrEqualTo(64 * 1024));
        assertThat(a.evictions()).isPositive();
    }

    @Test
    void anUnreachableRedisReadsAsAMissWithinTheTimeoutAndTheCacheKeepsWorking() throws Exception {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Redis dead = Redis.createClient(vertx, "redis://127.0.0.1:" + deadPort);
        RedisLevel l2 = new RedisLevel(dead, "gh-test:", Duration.ofMillis(200), meters);
        TwoLevelCache<String> a = new TwoLevelCache<>(new TwoLevelCache.Options("offline", 1024 * 1024, Duration.ofSeconds(5)),
                STRINGS, l2, null, Clock.of(ticker), meters);
        Loader loader = new Loader();
        for (int i = 0; i < 10; i++) {
            assertThat(result(a.getOrLoad("k" + i, Duration.ofMinutes(1), () -> loader.load("v"))).value()).isEqualTo("v");
        }
        assertThat(loader.calls).hasValue(10);
        assertThat(a.getLocal("k3")).as("process memory still serves").isEqualTo("v");
        assertThat(l2.available()).as("the breaker opened").isFalse();
        assertThat(a.stats()).containsEntry("l2", "unavailable");
        assertThat(meters.get("gatehouse.cache.l2.errors").counter().count()).isPositive();
        dead.close();
    }
}
