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
import io.vertx.redis.client.RedisOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The versioned cache's contract, on real Redis: no level, and no node, ever goes back to an older version. */
class VersionedCacheTest {

    /** A value and its version, as "version:text". */
    record Doc(long version, String text) {
    }

    static final CacheCodec<Doc> DOCS = new CacheCodec<>() {
        @Override
        public Buffer encode(Doc d) {
            return Buffer.buffer(d.version() + ":" + d.text());
        }

        @Override
        public Doc decode(Buffer bytes) {
            String s = bytes.toString();
            int cut = s.indexOf(':');
            if (cut < 0) {
                throw new IllegalArgumentException("not a doc");
            }
            return new Doc(Long.parseLong(s.substring(0, cut)), s.substring(cut + 1));
        }

        @Override
        public int weigh(Doc d) {
            return 32 + 2 * d.text().length();
        }
    };

    static Vertx vertx;
    static RedisNamespace namespace;
    static Redis redis;
    static final ManualTicker ticker = new ManualTicker();
    static final Duration LIFE = Duration.ofMinutes(5);
    static final Duration ABSENT = Duration.ofSeconds(10);

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        namespace = TestRedis.newNamespace();
        // writers in a burst wait for a pooled connection rather than fail (the default queue holds 24)
        redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(TestRedis.url()).setMaxPoolSize(4).setMaxPoolWaiting(4096));
    }

    @AfterAll
    static void stop() {
        redis.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
        namespace.close();
    }

    static VersionedCache<Doc> node(String name, String nodeId, Duration confirmWithin) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RedisLevel l2 = new RedisLevel(redis, namespace.prefix(), Duration.ofMillis(500), meters);
        InvalidationFeed feed = new InvalidationFeed(vertx, TestRedis.url(), namespace.prefix() + "feed-" + name, nodeId, meters);
        awaitSubscribed(feed);
        return new VersionedCache<>(new VersionedCache.Options(name, 1024 * 1024, Duration.ofSeconds(30), 10_000, confirmWithin), DOCS,
                Doc::version, l2, feed, Clock.of(ticker), meters);
    }

    /** A feed subscribes in the background: an announcement it sends gets through once it has. */
    static void awaitSubscribed(InvalidationFeed feed) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(feed::subscribed);
    }

    static <T> T result(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Future<Doc> answer(Doc doc) {
        return Future.succeededFuture(doc);
    }

    @Test
    void redisKeepsTheNewestCopyWhateverTheOrderOfWrites() {
        VersionedCache<Doc> a = node("order", "a", Duration.ZERO);
        VersionedCache<Doc> b = node("order", "b", Duration.ZERO);
        result(a.put("doc", new Doc(3, "three"), LIFE));
        result(b.put("doc", new Doc(2, "two"), LIFE)); // a late writer with an older copy
        VersionedCache<Doc> fresh = node("order", "c", Duration.ZERO);
        VersionedCache.Hit<Doc> hit = result(fresh.get("doc"));
        assertThat(hit.value()).isEqualTo(new Doc(3, "three"));
        assertThat(hit.level()).isEqualTo(VersionedCache.Level.L2);
        assertThat(result(b.get("doc")).value()).as("b's own memory kept nothing older either").isEqualTo(new Doc(3, "three"));
    }

    @Test
    void aLoadThatReadTheSourceBeforeAChangeCannotPutTheOldCopyBack() {
        VersionedCache<Doc> a = node("slow-load", "a", Duration.ZERO);
        Promise<Doc> slow = Promise.promise();
        AtomicInteger loads = new AtomicInteger();
        Future<VersionedCache.Hit<Doc>> reading = a.getOrLoad("doc", LIFE, ABSENT,
                () -> loads.incrementAndGet() == 1 ? slow.future() : answer(new Doc(2, "two")));
        result(a.put("doc", new Doc(2, "two"), LIFE)); // the change lands while the first load is out
        slow.complete(new Doc(1, "one")); // what the source said before the change
        VersionedCache.Hit<Doc> hit = result(reading);
        assertThat(hit.value()).isEqualTo(new Doc(2, "two"));
        assertThat(loads).as("the older answer was refused and the source asked again").hasValue(2);
        assertThat(a.getLocal("doc").value()).isEqualTo(new Doc(2, "two"));
    }

    @Test
    void aConfirmedWriteHasDroppedTheOlderCopyOnEveryOtherNodeWhenItCompletes() {
        VersionedCache<Doc> a = node("confirmed", "a", Duration.ofSeconds(2));
        VersionedCache<Doc> b = node("confirmed", "b", Duration.ofSeconds(2));
        VersionedCache<Doc> c = node("confirmed", "c", Duration.ofSeconds(2));
        result(a.put("doc", new Doc(1, "one"), LIFE));
        assertThat(result(b.get("doc")).value()).isEqualTo(new Doc(1, "one"));
        assertThat(result(c.get("doc")).value()).isEqualTo(new Doc(1, "one"));
        for (int v = 2; v <= 20; v++) {
            result(a.put("doc", new Doc(v, "v" + v), LIFE));
            // no waiting: once the write completed, neither b nor c holds the older copy
            assertThat(b.getLocal("doc")).isNull();
            assertThat(c.getLocal("doc")).isNull();
            assertThat(result(b.get("doc")).value().version()).isEqualTo(v);
            assertThat(result(c.get("doc")).value().version()).isEqualTo(v);
        }
    }

    @Test
    void aBurstOfWritesIsAnnouncedToEveryOtherNodeInFull() {
        VersionedCache<Doc> a = node("burst", "a", Duration.ZERO);
        VersionedCache<Doc> b = node("burst", "b", Duration.ZERO);
        List<Future<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            writes.add(a.put("doc-" + i, new Doc(7, "v"), LIFE)); // all at once, more than a connection pool's default queue
        }
        writes.forEach(VersionedCacheTest::result);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (int i = 0; i < 500; i++) {
                assertThat(b.floor("doc-" + i)).as("doc-%d announced to b", i).isEqualTo(7);
            }
        });
    }

    @Test
    void readersOnTwoNodesNeverSeeAnOlderVersionAfterANewerOne() throws Exception {
        VersionedCache<Doc> a = node("monotonic", "a", Duration.ZERO);
        VersionedCache<Doc> b = node("monotonic", "b", Duration.ZERO);
        List<Integer> order = new ArrayList<>();
        for (int v = 1; v <= 200; v++) {
            order.add(v);
        }
        Collections.shuffle(order); // writers race: versions reach the caches in any order
        List<Long> seenOnA = Collections.synchronizedList(new ArrayList<>());
        List<Long> seenOnB = Collections.synchronizedList(new ArrayList<>());
        Thread readers = new Thread(() -> {
            for (int i = 0; i < 2000; i++) {
                read(a, seenOnA);
                read(b, seenOnB);
            }
        });
        readers.start();
        List<Future<Void>> writes = new ArrayList<>();
        for (int v : order) {
            VersionedCache<Doc> writer = ThreadLocalRandom.current().nextBoolean() ? a : b;
            writes.add(writer.put("doc", new Doc(v, "v" + v), LIFE));
        }
        writes.forEach(VersionedCacheTest::result);
        readers.join(60_000);
        for (List<Long> seen : List.of(seenOnA, seenOnB)) {
            for (int i = 1; i < seen.size(); i++) {
                assertThat(seen.get(i)).as("read %d after %d", i, seen.get(i - 1)).isGreaterThanOrEqualTo(seen.get(i - 1));
            }
        }
        assertThat(result(node("monotonic", "c", Duration.ZERO).get("doc")).value().version()).as("Redis ends on the newest").isEqualTo(200);
    }

    private static void read(VersionedCache<Doc> cache, List<Long> seen) {
        VersionedCache.Hit<Doc> hit = result(cache.getOrLoad("doc", LIFE, ABSENT, () -> answer(new Doc(0, "source"))));
        seen.add(hit.version());
    }

    @Test
    void anAbsentKeyIsRememberedAndReplacedByItsCreationEverywhere() {
        VersionedCache<Doc> a = node("absent", "a", Duration.ofSeconds(2));
        VersionedCache<Doc> b = node("absent", "b", Duration.ofSeconds(2));
        AtomicInteger loads = new AtomicInteger();
        for (int i = 0; i < 5; i++) {
            VersionedCache.Hit<Doc> miss = result(b.getOrLoad("alias", LIFE, ABSENT, () -> {
                loads.incrementAndGet();
                return answer(null);
            }));
            assertThat(miss.value()).isNull();
        }
        assertThat(loads).as("the source was asked once").hasValue(1);
        result(a.put("alias", new Doc(7, "created"), LIFE));
        assertThat(result(b.getOrLoad("alias", LIFE, ABSENT, () -> answer(null))).value()).isEqualTo(new Doc(7, "created"));

        result(a.putAbsent("alias", 8, ABSENT)); // deleted
        assertThat(result(b.getOrLoad("alias", LIFE, ABSENT, () -> answer(new Doc(7, "stale replica")))).value())
                .as("a deletion is a version too: nothing older comes back").isNull();
    }

    @Test
    void withoutRedisTheSameRuleHoldsInProcess() {
        VersionedCache<Doc> local = new VersionedCache<>(new VersionedCache.Options("local", 64 * 1024, Duration.ofSeconds(5), 100, Duration.ZERO),
                DOCS, Doc::version, null, null, Clock.of(ticker), new SimpleMeterRegistry());
        result(local.put("doc", new Doc(5, "five"), LIFE));
        result(local.fill("doc", new Doc(4, "four"), LIFE));
        assertThat(local.getLocal("doc").value()).isEqualTo(new Doc(5, "five"));
        assertThat(local.stats()).containsEntry("refusedOlder", 1L).containsEntry("l2", "absent");
        ticker.advance(LIFE.plusSeconds(1));
        assertThat(local.getLocal("doc")).as("expired with its lifetime").isNull();
        assertThat(local.floor("doc")).as("the floor outlives the copy").isEqualTo(5);
    }
}
