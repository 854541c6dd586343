package dev.gatehouse.cache;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.gatehouse.cache.VersionedCacheTest.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The fenced lock on real Redis: one holder at a time, and a stale holder's writes refused by the fence. */
class RedisLockTest {
    static Vertx vertx;
    static RedisNamespace namespace;
    static Redis redis;

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

    static RedisLock node() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        return new RedisLock(new RedisLevel(redis, namespace.prefix(), Duration.ofMillis(500), meters), Clock.system(), meters);
    }

    /** What the guarded work writes to: a value that keeps the newest token it saw and refuses older ones. */
    static final RedisScript FENCED_WRITE = new RedisScript("""
            local newest = tonumber(redis.call('GET', KEYS[1]) or '0')
            if tonumber(ARGV[1]) < newest then return 0 end
            redis.call('SET', KEYS[1], ARGV[1])
            redis.call('RPUSH', KEYS[2], ARGV[2])
            return 1
            """);

    static boolean write(RedisLock.Lease lease, String what) {
        return result(FENCED_WRITE.run(redis::send, List.of(namespace.key("fence"), namespace.key("log")), List.of(lease.token(), what))).toLong() == 1;
    }

    @Test
    void oneHolderAtATimeAndOnlyTheHolderRenewsOrReleases() {
        RedisLock a = node();
        RedisLock b = node();
        RedisLock.Lease held = result(a.tryAcquire("job", Duration.ofMinutes(1)));
        assertThat(held).isNotNull();
        assertThat(a.valid(held)).isTrue();
        assertThat(result(b.tryAcquire("job", Duration.ofMinutes(1)))).as("held by a").isNull();
        RedisLock.Lease forged = new RedisLock.Lease("job", "someone-else:" + held.token(), held.token(), held.expiresAtNanos());
        assertThat(result(b.renew(forged, Duration.ofMinutes(1)))).isNull();
        assertThat(result(b.release(forged))).isFalse();
        assertThat(result(a.renew(held, Duration.ofMinutes(2)))).isNotNull();
        assertThat(result(a.release(held))).isTrue();
        RedisLock.Lease next = result(b.tryAcquire("job", Duration.ofMinutes(1)));
        assertThat(next).isNotNull();
        assertThat(next.token()).isGreaterThan(held.token());
        result(b.release(next));
    }

    @Test
    void aHolderThatLostItsLockCannotWriteAfterTheNextHolderBegan() {
        RedisLock paused = node();
        RedisLock other = node();
        RedisLock.Lease stale = result(paused.tryAcquire("purge", Duration.ofMillis(200)));
        assertThat(write(stale, "first batch")).isTrue();
        // the holder stalls (a GC pause, a partition) past its lock's expiry; the other node takes over
        List<RedisLock.Lease> taken = new ArrayList<>();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            RedisLock.Lease lease = result(other.tryAcquire("purge", Duration.ofMinutes(1)));
            return lease != null && taken.add(lease);
        });
        RedisLock.Lease fresh = taken.get(0);
        assertThat(fresh.token()).isGreaterThan(stale.token());
        assertThat(write(fresh, "new holder's batch")).isTrue();
        assertThat(write(stale, "late batch of the stalled holder")).as("refused by the fence").isFalse();
        assertThat(result(paused.renew(stale, Duration.ofMinutes(1)))).as("nor can it renew").isNull();
        assertThat(result(redis.send(Request.cmd(Command.LRANGE).arg(namespace.key("log")).arg(0).arg(-1))).stream().map(Object::toString))
                .containsExactly("first batch", "new holder's batch");
        result(other.release(fresh));
    }

    @Test
    void tokensKeepGrowingWhenRedisLosesTheCounter() {
        RedisLock a = node();
        RedisLock.Lease first = result(a.tryAcquire("restart", Duration.ofMinutes(1)));
        result(a.release(first));
        result(redis.send(Request.cmd(Command.DEL).arg(namespace.key("lock-token:restart")))); // a Redis restart without persistence
        RedisLock.Lease second = result(a.tryAcquire("restart", Duration.ofMinutes(1)));
        assertThat(second.token()).isGreaterThan(first.token());
        result(a.release(second));
        assertThat(first.token()).as("tokens start from the wall clock's milliseconds").isGreaterThanOrEqualTo(Clock.system().epochMillis() - 60_000);
    }
}
