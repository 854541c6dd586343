package dev.gatehouse.server.ratelimit;

import dev.gatehouse.redis.RedisBreaker;
import dev.gatehouse.core.config.RateLimitConfig;
import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.Decision;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.core.ratelimit.RateLimiterStore;
import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** mode: leased against a real Redis: several nodes, each with its own connection and leases, share one limit. */
class LeasesTest {

    static Vertx vertx;
    static RedisNamespace namespace;
    static final List<Redis> clients = new ArrayList<>();

    /** One node: its own Redis client, store, leases, meters and clock. */
    record Node(RedisRateLimiterStore store, Leases leases, SimpleMeterRegistry meters, AtomicLong nanos) {
        Decision decide(String key, Algorithm algorithm, List<RateLimit> windows, int size, Duration ttl) {
            return leases.decide(key, leased(algorithm, size, ttl), windows).toCompletionStage().toCompletableFuture().join();
        }

        double granted() {
            return meters.get("gatehouse.ratelimit.leases.granted").summary().totalAmount();
        }

        double leasesTaken() {
            return meters.get("gatehouse.ratelimit.leases.taken").counter().count();
        }
    }

    /** A leased route of cost 1 with this lease size and time (its limits come with each decision). */
    static RateLimitConfig leased(Algorithm algorithm, int size, Duration ttl) {
        return new RateLimitConfig(algorithm, List.of(), true, RateLimitConfig.Mode.LEASED, RateLimitConfig.OnRedisFailure.OPEN, 1, 1, size, ttl);
    }

    @BeforeAll
    static void connect() {
        vertx = Vertx.vertx();
        namespace = TestRedis.newNamespace();
    }

    @AfterAll
    static void disconnect() {
        namespace.close();
        clients.forEach(Redis::close);
        vertx.close();
    }

    static Node node() {
        return node(Leases.MAX_LEASES);
    }

    static Node node(int maxLeases) {
        Redis redis = Redis.createClient(vertx, TestRedis.url());
        clients.add(redis);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RedisRateLimiterStore store = new RedisRateLimiterStore(redis, namespace.prefix(), Duration.ofSeconds(5),
                new RedisBreaker("test", LoggerFactory.getLogger(LeasesTest.class), "degraded ({})", "recovered"), meters);
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        return new Node(store, new Leases(store, nanos::get, Runnable::run, maxLeases, meters), meters, nanos);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"GCRA", "TOKEN_BUCKET", "FIXED_WINDOW", "SLIDING_COUNTER", "SLIDING_LOG"})
    void threeNodesLeasingOneLimitAdmitExactlyTheLimitAndAskRedisOncePerLease(Algorithm algorithm) {
        List<Node> nodes = List.of(node(), node(), node());
        // per hour: nothing refills while the test runs, however slow the machine
        List<RateLimit> limit = List.of(RateLimit.parse("100/hour"));
        String key = "leased:" + UUID.randomUUID();
        int allowed = 0;
        for (int i = 0; i < 300; i++) {
            if (nodes.get(i % 3).decide(key, algorithm, limit, 10, Duration.ofMinutes(5)).allowed()) {
                allowed++;
            }
        }
        // every request Redis granted was spent here, and Redis never granted more than the limit
        assertThat(allowed).isEqualTo(100);
        assertThat(nodes.stream().mapToDouble(Node::granted).sum()).isEqualTo(100);
        // the 100 admitted took ten Redis calls (leases of 10); past the limit each node asked once and keeps
        // the refusal until its retry-after (its clock does not move here), so 200 refusals cost 3 calls
        assertThat(nodes.stream().mapToDouble(Node::leasesTaken).sum()).isEqualTo(10 + 3);
        Decision refused = nodes.get(0).decide(key, algorithm, limit, 10, Duration.ofMinutes(5));
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMicros()).isPositive();
    }

    @Test
    void whatALeaseHasLeftWhenItsTimeIsOverIsDroppedNotSpent() {
        Node node = node();
        List<RateLimit> limit = List.of(RateLimit.parse("1000/hour"));
        String key = "leased:" + UUID.randomUUID();
        Decision first = node.decide(key, Algorithm.GCRA, limit, 10, Duration.ofSeconds(1));
        assertThat(first.allowed()).isTrue();
        assertThat(first.remaining()).as("990 left in Redis, 9 here").isEqualTo(999);
        node.decide(key, Algorithm.GCRA, limit, 10, Duration.ofSeconds(1));
        node.decide(key, Algorithm.GCRA, limit, 10, Duration.ofSeconds(1));
        assertThat(node.leasesTaken()).isEqualTo(1);

        node.nanos().addAndGet(Duration.ofSeconds(1).toNanos());
        Decision afterTtl = node.decide(key, Algorithm.GCRA, limit, 10, Duration.ofSeconds(1));
        assertThat(node.leasesTaken()).as("the old lease's 7 are not used").isEqualTo(2);
        // Redis has counted both leases: 20 taken, 1 of the second spent, 9 held here
        assertThat(afterTtl.remaining()).isBetween(988L, 989L);
        Decision exact = node.store().decide(key, Algorithm.GCRA, limit, 1, RateLimiterStore.STORE_CLOCK)
                .toCompletionStage().toCompletableFuture().join();
        assertThat(exact.remaining()).as("one refills every 3.6 s").isBetween(979L, 980L);
    }

    @Test
    void concurrentRequestsOfOneSubjectShareOneLeaseCall() throws Exception {
        Node node = node();
        List<RateLimit> limit = List.of(RateLimit.perMinute(100_000));
        String key = "leased:" + UUID.randomUUID();
        CompletableFuture<List<Decision>> all = new CompletableFuture<>();
        vertx.runOnContext(v -> {
            List<Future<Decision>> futures = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                futures.add(node.leases().decide(key, leased(Algorithm.GCRA, 100, Duration.ofSeconds(10)), limit));
            }
            Future.all(futures).onComplete(done -> all.complete(futures.stream().map(Future::result).toList()));
        });
        List<Decision> decisions = all.get(10, TimeUnit.SECONDS);
        assertThat(decisions).allMatch(Decision::allowed);
        assertThat(node.leasesTaken()).as("one call for fifty requests").isEqualTo(1);
        assertThat(decisions.stream().map(Decision::remaining).distinct().count()).as("each request its own remaining").isEqualTo(50);
    }

    @Test
    void aKeptRefusalEndsWithItsRetryAfterAndRedisDecidesAgain() {
        Node node = node();
        List<RateLimit> limit = List.of(RateLimit.perSecond(2));
        String key = "leased:" + UUID.randomUUID();
        assertThat(node.decide(key, Algorithm.GCRA, limit, 2, Duration.ofMinutes(1)).allowed()).isTrue();
        assertThat(node.decide(key, Algorithm.GCRA, limit, 2, Duration.ofMinutes(1)).allowed()).isTrue();
        Decision refused = node.decide(key, Algorithm.GCRA, limit, 2, Duration.ofMinutes(1));
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMicros()).isBetween(1L, 500_000L);
        double calls = node.leasesTaken();
        Decision kept = node.decide(key, Algorithm.GCRA, limit, 2, Duration.ofMinutes(1));
        assertThat(kept.allowed()).isFalse();
        assertThat(node.leasesTaken()).as("the refusal is answered here").isEqualTo(calls);

        node.nanos().addAndGet(refused.retryAfterMicros() * 1000);
        node.decide(key, Algorithm.GCRA, limit, 2, Duration.ofMinutes(1));
        assertThat(node.leasesTaken()).as("past its retry-after, Redis is asked again").isEqualTo(calls + 1);
    }

    @Test
    void withNoRoomForAnotherLeaseANewSubjectTakesOneRequestAtATimeUntilASweepMakesRoom() {
        Node node = node(2);
        List<RateLimit> limit = List.of(RateLimit.parse("1000/hour"));
        String prefix = "leased:" + UUID.randomUUID() + ":";
        node.decide(prefix + "a", Algorithm.GCRA, limit, 10, Duration.ofSeconds(1));
        node.decide(prefix + "b", Algorithm.GCRA, limit, 10, Duration.ofSeconds(1));
        assertThat(node.meters().get("gatehouse.ratelimit.leases").gauge().value()).isEqualTo(2);

        Decision crowded = node.decide(prefix + "c", Algorithm.GCRA, limit, 10, Duration.ofSeconds(1));
        assertThat(crowded.remaining()).as("one request taken, not a lease of 10 that could not be kept").isEqualTo(999);
        node.decide(prefix + "c", Algorithm.GCRA, limit, 10, Duration.ofSeconds(1));
        assertThat(node.granted()).isEqualTo(10 + 10 + 1 + 1);

        node.nanos().addAndGet(Duration.ofSeconds(1).toNanos());
        Decision roomy = node.decide(prefix + "d", Algorithm.GCRA, limit, 10, Duration.ofSeconds(1));
        assertThat(roomy.remaining()).as("the sweep dropped a and b, past their time: d holds a lease").isEqualTo(999);
        assertThat(node.granted()).isEqualTo(10 + 10 + 1 + 1 + 10);
        assertThat(node.meters().get("gatehouse.ratelimit.leases").gauge().value()).isEqualTo(1);
    }

    @Test
    void aFixedWindowLeaseEndsAtTheFirstBoundaryOfAnyOfItsWindowsNotOnlyTheDecidingOnes() {
        Node node = node();
        // the hour window has the fewer left, so it decides the headers; the second window's boundary comes first
        List<RateLimit> windows = List.of(RateLimit.parse("100/hour"), RateLimit.parse("1000/s"));
        String key = "leased:" + UUID.randomUUID();
        Decision first = node.decide(key, Algorithm.FIXED_WINDOW, windows, 10, Duration.ofMinutes(5));
        assertThat(first.limit()).isEqualTo(100);
        assertThat(first.resetMicros()).as("the hour's reset").isGreaterThan(1_000_000L);
        node.decide(key, Algorithm.FIXED_WINDOW, windows, 10, Duration.ofMinutes(5));
        assertThat(node.leasesTaken()).isEqualTo(1);

        // a second later, whatever part of a second the lease was taken in, the second window has turned over
        node.nanos().addAndGet(Duration.ofSeconds(1).toNanos());
        node.decide(key, Algorithm.FIXED_WINDOW, windows, 10, Duration.ofMinutes(5));
        assertThat(node.leasesTaken()).as("the 8 left were counted in a second that is over: not spent in the next").isEqualTo(2);
    }

    @Test
    void aSizeNearTheLimitIsGrantedInPartAndTheRestRefused() {
        Node node = node();
        List<RateLimit> limit = List.of(RateLimit.parse("25/hour"));
        String key = "leased:" + UUID.randomUUID();
        int allowed = 0;
        for (int i = 0; i < 40; i++) {
            if (node.decide(key, Algorithm.FIXED_WINDOW, limit, 10, Duration.ofMinutes(5)).allowed()) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(25);
        assertThat(node.meters().get("gatehouse.ratelimit.leases.granted").summary().max()).isEqualTo(10);
        assertThat(node.granted()).isEqualTo(25);
    }
}
