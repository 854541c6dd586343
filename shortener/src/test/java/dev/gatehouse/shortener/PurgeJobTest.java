package dev.gatehouse.shortener;

import dev.gatehouse.cache.RedisLevel;
import dev.gatehouse.cache.RedisLock;
import dev.gatehouse.core.time.Clock;
import dev.gatehouse.core.time.ManualTicker;
import dev.gatehouse.testkit.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.gatehouse.shortener.TestShorteners.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The purge job on real PostgreSQL (and Redis for its lock): expired links go in batches, on one instance at a time. */
class PurgeJobTest {

    static ShortenerSettings purgeInBatchesOf(int batch) {
        return TestShorteners.settings().withPurge(Duration.ofHours(1), Duration.ofMinutes(10), batch);
    }

    /** Creates {@code expiring} links that expire in a minute and {@code lasting} that do not; returns the expiring codes. */
    static List<String> links(TestShorteners bed, ShortenerInstance instance, ManualTicker clock, int expiring, int lasting) {
        List<String> codes = new ArrayList<>();
        String inAMinute = clock.instant().plus(Duration.ofMinutes(1)).toString();
        for (int i = 0; i < expiring; i++) {
            codes.add(json(bed.create(instance, "key:owner", new JsonObject().put("url", "https://example.com/e" + i).put("expiresAt", inAMinute)))
                    .getString("code"));
        }
        for (int i = 0; i < lasting; i++) {
            bed.create(instance, "key:owner", new JsonObject().put("url", "https://example.com/l" + i));
        }
        return codes;
    }

    static long count(TestShorteners bed, String sql) throws Exception {
        try (Connection c = bed.database.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    static int purge(ShortenerInstance instance) {
        return instance.shortener().purge().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void expiredLinksAnswer410UntilTheirGraceEndsThenThePurgeDeletesThemInBatches() throws Exception {
        ManualTicker clock = new ManualTicker();
        try (TestShorteners bed = new TestShorteners(true)) {
            ShortenerInstance a = bed.start("links-a", clock, purgeInBatchesOf(3));
            ShortenerInstance b = bed.start("links-b", clock, purgeInBatchesOf(3));
            List<String> expiring = links(bed, a, clock, 9, 4);
            assertThat(bed.create(a, "key:owner", new JsonObject().put("url", "https://example.com/promo").put("alias", "old-promo")
                    .put("expiresAt", clock.instant().plus(Duration.ofMinutes(1)).toString())).statusCode()).isEqualTo(201);
            expiring.add("old-promo");
            String clicked = expiring.get(0);
            bed.call(b, "GET", "/" + clicked, null);
            a.shortener().flushClicks().toCompletionStage().toCompletableFuture().join();
            b.shortener().flushClicks().toCompletionStage().toCompletableFuture().join();
            assertThat(count(bed, "SELECT count(*) FROM shortener.clicks_daily")).isEqualTo(1);

            bed.advance(clock, Duration.ofMinutes(5)); // expired, still within the 10 minutes' grace
            assertThat(bed.call(b, "GET", "/" + clicked, null).statusCode()).isEqualTo(410);
            assertThat(purge(a)).isZero();
            assertThat(count(bed, "SELECT count(*) FROM shortener.links")).isEqualTo(14);

            bed.advance(clock, Duration.ofMinutes(10));
            assertThat(purge(a)).isEqualTo(10);
            assertThat(count(bed, "SELECT count(*) FROM shortener.links")).isEqualTo(4);
            assertThat(count(bed, "SELECT count(*) FROM shortener.clicks_daily")).as("their clicks went with them").isZero();
            for (String code : expiring) {
                assertThat(bed.call(a, "GET", "/" + code, null).statusCode()).isEqualTo(404);
                assertThat(bed.call(b, "GET", "/" + code, null).statusCode()).as("dropped from b's memory too").isEqualTo(404);
            }
            assertThat(a.scrape()).contains("shortener_links_purged_total 10.0");
            // and a purged alias is free again
            assertThat(bed.create(b, "key:other", new JsonObject().put("url", "https://example.com/x").put("alias", "old-promo")).statusCode())
                    .isEqualTo(201);
            assertThat(bed.call(a, "GET", "/old-promo", null).headers().firstValue("location")).hasValue("https://example.com/x");
        }
    }

    @Test
    void whileOneInstanceHoldsThePurgeLockAnotherDoesNotPurge() throws Exception {
        ManualTicker clock = new ManualTicker();
        Vertx vertx = Vertx.vertx();
        try (TestShorteners bed = new TestShorteners(true)) {
            ShortenerInstance a = bed.start("links-a", clock, purgeInBatchesOf(100));
            links(bed, a, clock, 5, 0);
            bed.advance(clock, Duration.ofMinutes(20));
            Redis redis = Redis.createClient(vertx, TestRedis.url());
            RedisLock other = new RedisLock(new RedisLevel(redis, bed.namespace.prefix(), Duration.ofSeconds(1), new SimpleMeterRegistry()),
                    Clock.system(), new SimpleMeterRegistry());
            RedisLock.Lease held = other.tryAcquire("shortener-purge", Duration.ofMinutes(1)).toCompletionStage().toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
            assertThat(held).isNotNull();
            assertThat(purge(a)).as("another instance is purging").isEqualTo(-1);
            assertThat(count(bed, "SELECT count(*) FROM shortener.links")).isEqualTo(5);
            other.release(held).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(purge(a)).isEqualTo(5);
            redis.close();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    @Test
    void aPurgeWhoseTokenANewerHolderHasPassedDeletesNothing() throws Exception {
        ManualTicker clock = new ManualTicker();
        try (TestShorteners bed = new TestShorteners(true)) {
            ShortenerInstance a = bed.start("links-a", clock, purgeInBatchesOf(100));
            links(bed, a, clock, 5, 0);
            bed.advance(clock, Duration.ofMinutes(20));
            try (Connection c = bed.database.connect(); Statement s = c.createStatement()) {
                // a holder that took the lock after this one would get has already written its token
                s.executeUpdate("UPDATE shortener.fences SET token = " + Long.MAX_VALUE / 2 + " WHERE name = 'purge'");
            }
            assertThat(purge(a)).isZero();
            assertThat(count(bed, "SELECT count(*) FROM shortener.links")).isEqualTo(5);
            assertThat(a.scrape()).contains("shortener_purge_fenced_total 1.0");
        }
    }

    @Test
    void withoutRedisAnAdvisoryLockKeepsThePurgeToOneInstance() throws Exception {
        ManualTicker clock = new ManualTicker();
        try (TestShorteners bed = new TestShorteners(false)) {
            ShortenerInstance a = bed.start("links-a", clock, purgeInBatchesOf(2));
            ShortenerInstance b = bed.start("links-b", clock, purgeInBatchesOf(2));
            links(bed, a, clock, 7, 2);
            bed.advance(clock, Duration.ofMinutes(20));
            try (Connection holder = bed.database.connect(); Statement s = holder.createStatement()) {
                s.execute("SELECT pg_advisory_lock(" + 0x5307_9e63L + ")");
                assertThat(purge(a)).as("the lock is held elsewhere").isEqualTo(-1);
                s.execute("SELECT pg_advisory_unlock(" + 0x5307_9e63L + ")");
            }
            var first = a.shortener().purge();
            var second = b.shortener().purge();
            int purged = Math.max(0, first.toCompletionStage().toCompletableFuture().join())
                    + Math.max(0, second.toCompletionStage().toCompletableFuture().join());
            assertThat(purged).isEqualTo(7);
            assertThat(count(bed, "SELECT count(*) FROM shortener.links")).isEqualTo(2);
        }
    }
}
