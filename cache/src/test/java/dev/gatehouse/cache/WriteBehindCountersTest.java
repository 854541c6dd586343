package dev.gatehouse.cache;

import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Write-behind counters flushing into a real store: a Redis hash per test, added to with HINCRBY in one MULTI per batch. */
class WriteBehindCountersTest {
    static Vertx vertx;
    static Redis redis;
    RedisNamespace namespace;
    SimpleMeterRegistry meters;
    final List<WriteBehindCounters<String>> made = new ArrayList<>();

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(TestRedis.url()).setMaxPoolWaiting(1024));
    }

    @AfterAll
    static void stop() {
        redis.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @BeforeEach
    void namespace() {
        namespace = TestRedis.newNamespace();
        meters = new SimpleMeterRegistry();
    }

    @AfterEach
    void clean() {
        made.forEach(WriteBehindCounters::close);
        namespace.close();
    }

    /** The store: the batch added to one hash atomically (all of it or nothing). */
    Future<Void> store(Map<String, Long> batch) {
        List<Request> commands = new ArrayList<>();
        batch.forEach((key, n) -> commands.add(Request.cmd(Command.HINCRBY).arg(namespace.key("counts")).arg(key).arg(n)));
        return redis.batch(commands).mapEmpty();
    }

    long stored(String key) {
        Response r = result(redis.send(Request.cmd(Command.HGET).arg(namespace.key("counts")).arg(key)));
        return r == null ? 0 : r.toLong();
    }

    WriteBehindCounters<String> counters(Duration interval, long flushAt, int maxKeys, WriteBehindCounters.Sink<String> sink) {
        WriteBehindCounters<String> c = new WriteBehindCounters<>(vertx, new WriteBehindCounters.Options("test", interval, flushAt, maxKeys), sink, meters);
        made.add(c);
        return c;
    }

    static <T> T result(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void concurrentIncrementsAreInTheStoreExactlyAfterAFlush() throws Exception {
        WriteBehindCounters<String> counters = counters(Duration.ofHours(1), Long.MAX_VALUE, 1000, this::store);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 25_000; i++) {
                    counters.increment("link:" + (i % 10));
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(stored("link:3")).as("nothing is written before a flush").isZero();
        assertThat(counters.unwritten()).isEqualTo(100_000);
        assertThat(result(counters.flush())).isEqualTo(100_000);
        for (int k = 0; k < 10; k++) {
            assertThat(stored("link:" + k)).isEqualTo(10_000);
        }
        assertThat(counters.unwritten()).isZero();
        assertThat(meters.get("gatehouse.cache.writebehind.flushed").counter().count()).isEqualTo(100_000);
    }

    @Test
    void aFlushStartsByItselfOnceFlushAtIncrementsWait() {
        WriteBehindCounters<String> counters = counters(Duration.ofHours(1), 100, 1000, this::store);
        for (int i = 0; i < 99; i++) {
            counters.increment("k");
        }
        assertThat(stored("k")).isZero();
        counters.increment("k");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(stored("k")).isEqualTo(100));
    }

    @Test
    void theTimerFlushesWithinItsInterval() {
        WriteBehindCounters<String> counters = counters(Duration.ofMillis(50), Long.MAX_VALUE, 1000, this::store);
        counters.add("k", 5);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(stored("k")).isEqualTo(5));
    }

    @Test
    void aBatchTheStoreRefusesIsWrittenWithTheNextFlushNeitherLostNorCountedTwice() {
        AtomicBoolean storeDown = new AtomicBoolean(true);
        WriteBehindCounters<String> counters = counters(Duration.ofHours(1), Long.MAX_VALUE, 1000,
                batch -> storeDown.get() ? Future.failedFuture("store unavailable") : store(batch));
        counters.add("k", 7);
        assertThat(counters.flush().toCompletionStage().toCompletableFuture()).failsWithin(Duration.ofSeconds(5));
        assertThat(counters.unwritten()).as("back in memory").isEqualTo(7);
        counters.add("k", 3);
        storeDown.set(false);
        assertThat(result(counters.flush())).isEqualTo(10);
        assertThat(stored("k")).isEqualTo(10);
        assertThat(meters.get("gatehouse.cache.writebehind.flush.failures").counter().count()).isEqualTo(1);
    }

    @Test
    void incrementsDuringASlowFlushGoToTheNextOne() {
        Promise<Void> slow = Promise.promise();
        AtomicInteger writes = new AtomicInteger();
        WriteBehindCounters<String> counters = counters(Duration.ofHours(1), Long.MAX_VALUE, 1000,
                batch -> writes.incrementAndGet() == 1 ? slow.future().compose(v -> store(batch)) : store(batch));
        counters.add("k", 1);
        Future<Long> first = counters.flush();
        counters.add("k", 2); // while the first batch is still being written
        assertThat(counters.unwritten()).as("the batch being written counts until it is in the store").isEqualTo(3);
        Future<Long> second = counters.flush();
        slow.complete();
        assertThat(result(first)).isEqualTo(1);
        assertThat(result(second)).isEqualTo(2);
        assertThat(stored("k")).isEqualTo(3);
    }

    @Test
    void pastMaxKeysNewKeysAreDroppedAndCountedWhileKnownOnesStillCount() {
        WriteBehindCounters<String> counters = counters(Duration.ofHours(1), Long.MAX_VALUE, 3, this::store);
        assertThat(counters.increment("a")).isTrue();
        assertThat(counters.increment("b")).isTrue();
        assertThat(counters.increment("c")).isTrue();
        assertThat(counters.increment("d")).isFalse();
        assertThat(counters.increment("a")).isTrue();
        result(counters.flush());
        assertThat(stored("a")).isEqualTo(2);
        assertThat(stored("d")).isZero();
        assertThat(meters.get("gatehouse.cache.writebehind.dropped").counter().count()).isEqualTo(1);
        assertThat(counters.increment("d")).as("room again after the flush").isTrue();
    }
}
