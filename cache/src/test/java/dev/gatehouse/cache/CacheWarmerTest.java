package dev.gatehouse.cache;

import dev.gatehouse.cache.VersionedCacheTest.Doc;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.gatehouse.cache.VersionedCacheTest.result;
import static org.assertj.core.api.Assertions.assertThat;

/** Warming a versioned cache on real Redis: the hottest keys answer from memory from the first read. */
class CacheWarmerTest {

    @BeforeAll
    static void start() {
        VersionedCacheTest.start();
    }

    @AfterAll
    static void stop() {
        VersionedCacheTest.stop();
    }

    @Test
    void theHottestKeysAnswerFromMemoryWithoutAskingTheSourceAgain() {
        VersionedCache<Doc> cache = VersionedCacheTest.node("warmed", "a", Duration.ZERO);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        AtomicInteger asked = new AtomicInteger();
        int warmed = result(new CacheWarmer<Doc>("warmed", meters).warm(2,
                limit -> {
                    asked.set(limit);
                    return Future.succeededFuture(List.of("hot-1", "hot-2", "gone"));
                },
                keys -> {
                    Map<String, Doc> found = new LinkedHashMap<>();
                    keys.stream().filter(k -> !k.equals("gone")).forEach(k -> found.put(k, new Doc(1, "value of " + k)));
                    return Future.succeededFuture(found);
                },
                (key, doc) -> cache.fill(key, doc, Duration.ofMinutes(5))));
        assertThat(asked).as("asked for no more than the limit").hasValue(2);
        assertThat(warmed).isEqualTo(2);
        assertThat(cache.getLocal("hot-1").value()).isEqualTo(new Doc(1, "value of hot-1"));
        AtomicInteger loads = new AtomicInteger();
        VersionedCache.Hit<Doc> hit = result(cache.getOrLoad("hot-2", Duration.ofMinutes(5), Duration.ofSeconds(5), () -> {
            loads.incrementAndGet();
            return Future.succeededFuture(new Doc(1, "from the source"));
        }));
        assertThat(hit.level()).isEqualTo(VersionedCache.Level.L1);
        assertThat(loads).hasValue(0);
        assertThat(meters.get("gatehouse.cache.warmed").counter().count()).isEqualTo(2);
        // and another node finds them in Redis
        assertThat(result(VersionedCacheTest.node("warmed", "b", Duration.ZERO).get("hot-1")).level()).isEqualTo(VersionedCache.Level.L2);
    }

    @Test
    void aFailingSourceLeavesAColdCacheAndNeverAFailure() {
        VersionedCache<Doc> cache = VersionedCacheTest.node("cold", "a", Duration.ZERO);
        int warmed = result(new CacheWarmer<Doc>("cold", new SimpleMeterRegistry()).warm(10,
                limit -> Future.failedFuture(new IllegalStateException("database unavailable")),
                keys -> Future.succeededFuture(Map.of()),
                (key, doc) -> cache.fill(key, doc, Duration.ofMinutes(5))));
        assertThat(warmed).isZero();
        assertThat(cache.size()).isZero();
    }
}
