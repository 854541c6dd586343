package dev.gatehouse.server.ratelimit;

import dev.gatehouse.redis.RedisBreaker;
import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.Decision;
import dev.gatehouse.core.ratelimit.LocalRateLimiter;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.core.ratelimit.RateLimiterStore;
import dev.gatehouse.core.ratelimit.RateLimiterStoreContract;
import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.TestRedis;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The Redis store against a real Redis, held to the same contract as the in-process store, batched or not. */
class RedisRateLimiterStoreTest extends RateLimiterStoreContract {

    static Vertx vertx;
    static Redis redis;
    static RedisNamespace namespace;
    static RedisRateLimiterStore store;
    static final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeAll
    static void connect() {
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, TestRedis.url());
        namespace = TestRedis.newNamespace();
        store = new RedisRateLimiterStore(redis, namespace.prefix(), Duration.ofSeconds(5),
                new RedisBreaker("test", LoggerFactory.getLogger(RedisRateLimiterStoreTest.class), "degraded ({})", "recovered"), meters);
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

    // Decisions requested on an event loop in one round go to Redis together (one script call per
    // algorithm, slot and clock). Whatever the batching, every decision must be exactly the one the
    // in-process store makes for the same requests in the same order.

    record Call(String key, List<RateLimit> windows, long cost) {
    }

    /** Requests every call in the same event-loop turn, so they batch; returns the decisions in call order. */
    static List<Decision> inOneRound(Algorithm algorithm, List<Call> calls) throws Exception {
        return inOneRound(algorithm, calls, T0);
    }

    static List<Decision> inOneRound(Algorithm algorithm, List<Call> calls, long now) throws Exception {
        CompletableFuture<List<Decision>> all = new CompletableFuture<>();
        vertx.runOnContext(v -> {
            List<Future<Decision>> futures = new ArrayList<>();
            for (Call call : calls) {
                futures.add(store.decide(call.key(), algorithm, call.windows(), call.cost(), now));
            }
            Future.all(futures).onComplete(done -> {
                if (done.failed()) {
                    all.completeExceptionally(done.cause());
                } else {
                    all.complete(futures.stream().map(Future::result).toList());
                }
            });
        });
        return all.get(10, TimeUnit.SECONDS);
    }

    /** What the in-process store decides for the same calls, one after another. */
    static List<Decision> oneByOne(Algorithm algorithm, List<Call> calls) {
        return oneByOne(new LocalRateLimiter(1000, () -> T0), algorithm, calls, T0);
    }

    static List<Decision> oneByOne(LocalRateLimiter local, Algorithm algorithm, List<Call> calls, long now) {
        List<Decision> decisions = new ArrayList<>();
        for (Call call : calls) {
            decisions.add(local.decide(call.key(), algorithm, call.windows(), call.cost(), now));
        }
        return decisions;
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aBatchDecidesExactlyAsTheInProcessStoreDoesOneByOne(Algorithm algorithm) throws Exception {
        // each subject has one policy, as on a route: one window, two windows, two windows with varying cost
        String a = "batch:" + UUID.randomUUID();
        String b = "batch:" + UUID.randomUUID();
        String c = "batch:" + UUID.randomUUID();
        List<RateLimit> small = List.of(RateLimit.perSecond(3));
        List<RateLimit> twoWindows = List.of(RateLimit.perMinute(5), RateLimit.perSecond(4));
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            calls.add(new Call(a, small, 1));
            calls.add(new Call(b, twoWindows, 1));
            calls.add(new Call(c, twoWindows, i % 4 == 0 ? 2 : 1));
        }
        calls.add(new Call(a, small, 7)); // more than the limit: can never pass
        calls.add(new Call(c, twoWindows, 5));

        List<Decision> batched = inOneRound(algorithm, calls);

        assertThat(batched).containsExactlyElementsOf(oneByOne(algorithm, calls));
        assertThat(batched.stream().filter(Decision::allowed).count()).as("some pass, some do not").isBetween(1L, (long) calls.size() - 1);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void runsOfLikeRequestsThatCrossTheLimitDecideExactlyAsOneByOne(Algorithm algorithm) throws Exception {
        // a hot key's requests reach the script as runs of one policy and cost; a run that crosses the
        // limit is refused from that request on, and the next run (another cost, another key) goes on
        String a = "runs:" + UUID.randomUUID();
        String b = "runs:" + UUID.randomUUID();
        List<RateLimit> five = List.of(RateLimit.perSecond(5));
        List<RateLimit> twoWindows = List.of(RateLimit.perMinute(9), RateLimit.perSecond(6));
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            calls.add(new Call(a, five, 1));
        }
        for (int i = 0; i < 3; i++) {
            calls.add(new Call(b, twoWindows, 2));
        }
        for (int i = 0; i < 4; i++) {
            calls.add(new Call(b, twoWindows, 1));
        }
        calls.add(new Call(a, five, 6)); // more than the limit
        for (int i = 0; i < 3; i++) {
            calls.add(new Call(a, five, 1));
        }

        List<Decision> batched = inOneRound(algorithm, calls);

        assertThat(batched).containsExactlyElementsOf(oneByOne(algorithm, calls));
        assertThat(batched.subList(0, 7)).as("the first run crosses its limit").extracting(Decision::allowed)
                .containsExactly(true, true, true, true, true, false, false);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void randomRoundsOverTimeDecideExactlyAsOneByOne(Algorithm algorithm) throws Exception {
        // state carried from round to round while the clock moves on: runs of random length and cost on
        // keys near, at and past their limits, each compared with the in-process store one by one
        Random random = new Random(20261202L + algorithm.ordinal());
        String run = "random:" + UUID.randomUUID() + ":";
        List<List<RateLimit>> policies = List.of(List.of(RateLimit.perSecond(7)),
                List.of(RateLimit.perMinute(40), RateLimit.perSecond(9)),
                List.of(RateLimit.perSecond(1000), RateLimit.perMinute(1500)));
        LocalRateLimiter local = new LocalRateLimiter(1000, () -> T0);
        long now = T0;
        int allowed = 0;
        int refused = 0;
        for (int round = 0; round < 25; round++) {
            List<Call> calls = new ArrayList<>();
            while (calls.size() < 60) {
                int subject = random.nextInt(policies.size());
                long cost = 1 + random.nextInt(random.nextInt(8) == 0 ? 12 : 3);
                int length = 1 + random.nextInt(12);
                for (int i = 0; i < length; i++) {
                    calls.add(new Call(run + subject, policies.get(subject), cost));
                }
            }
            List<Decision> batched = inOneRound(algorithm, calls, now);
            assertThat(batched).as("round %d at +%d µs", round, now - T0)
                    .containsExactlyElementsOf(oneByOne(local, algorithm, calls, now));
            allowed += (int) batched.stream().filter(Decision::allowed).count();
            refused += (int) batched.stream().filter(d -> !d.allowed()).count();
            now += random.nextInt(350_000);
        }
        assertThat(allowed).as("some pass").isPositive();
        assertThat(refused).as("some are refused").isPositive();
    }

    @Test
    void oneRoundOfDecisionsIsOneScriptCallAndTheMetricsSaySo() throws Exception {
        String key = "metrics:" + UUID.randomUUID();
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            calls.add(new Call(key, List.of(RateLimit.perMinute(100)), 1));
        }
        double callsBefore = meters.get("gatehouse.ratelimit.redis.calls").counter().count();
        DistributionSummary batch = meters.get("gatehouse.ratelimit.redis.batch").summary();
        long batchesBefore = batch.count();
        double decisionsBefore = batch.totalAmount();

        assertThat(inOneRound(Algorithm.GCRA, calls)).allMatch(Decision::allowed);

        assertThat(meters.get("gatehouse.ratelimit.redis.calls").counter().count() - callsBefore).isEqualTo(1);
        assertThat(batch.count() - batchesBefore).isEqualTo(1);
        assertThat(batch.totalAmount() - decisionsBefore).as("decisions in that call").isEqualTo(10);
        assertThat(meters.get("gatehouse.ratelimit.redis.in.flight").gauge().value()).as("calls still out").isZero();
    }

    @Test
    void aCallThatFailsIsOneOutcomeForTheBreakerHoweverManyDecisionsItCarried() throws Exception {
        // a Redis that accepts the call and never answers: the call times out
        io.vertx.core.net.NetServer silent = vertx.createNetServer().connectHandler(socket -> socket.handler(bytes -> { }));
        int port = silent.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        Redis stalled = Redis.createClient(vertx, "redis://127.0.0.1:" + port);
        RedisBreaker breaker = new RedisBreaker("stalled", LoggerFactory.getLogger(RedisRateLimiterStoreTest.class), "degraded ({})", "recovered");
        RedisRateLimiterStore slow = new RedisRateLimiterStore(stalled, "stalled:", Duration.ofMillis(100), breaker, new SimpleMeterRegistry());
        try {
            CompletableFuture<List<Throwable>> failures = new CompletableFuture<>();
            vertx.runOnContext(v -> {
                List<Future<Decision>> futures = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    futures.add(slow.decide("stalled-key", Algorithm.GCRA, List.of(RateLimit.perMinute(100)), 1, T0));
                }
                Future.join(futures).onComplete(done -> failures.complete(futures.stream().map(Future::cause).toList()));
            });
            assertThat(failures.get(10, TimeUnit.SECONDS)).as("every decision of the call fails by the timeout")
                    .hasSize(20).allMatch(e -> e instanceof java.util.concurrent.TimeoutException);
            assertThat(breaker.available()).as("one failed call of twenty decisions does not open the breaker").isTrue();
        } finally {
            stalled.close();
            silent.close();
        }
    }

    @Test
    void moreRequestsThanOneBatchHoldsAreAllDecidedExactly() throws Exception {
        String key = "flood:" + UUID.randomUUID();
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < RedisRateLimiterStore.MAX_BATCH * 3 + 5; i++) {
            calls.add(new Call(key, List.of(RateLimit.perMinute(100)), 1));
        }
        List<Decision> decisions = inOneRound(Algorithm.GCRA, calls);
        assertThat(decisions.stream().filter(Decision::allowed).count()).isEqualTo(100);
        assertThat(decisions.subList(0, 100)).allMatch(Decision::allowed);
        assertThat(decisions.get(99).remaining()).isZero();
        assertThat(decisions.subList(100, decisions.size())).noneMatch(Decision::allowed);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void stateWrittenOnceForABatchStillExpiresAfterItsWindow(Algorithm algorithm) throws Exception {
        // a batch keeps each key's state in the script and writes it back once at the end: with its expiry
        String key = "expiry:" + UUID.randomUUID();
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(new Call(key, List.of(RateLimit.perMinute(10)), 1));
        }
        assertThat(inOneRound(algorithm, calls)).allMatch(Decision::allowed);

        String stateKey = namespace.prefix() + "{" + key + "}:" + algorithm.configName() + ":10:60000000";
        long ttl = redis.send(Request.cmd(Command.PTTL).arg(stateKey)).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS).toLong();
        assertThat(ttl).as("milliseconds until %s expires", stateKey).isBetween(1L, 121_000L);
        assertThat(store.acquire(key, algorithm, List.of(RateLimit.perMinute(10)), 1, T0).toCompletableFuture().join().remaining())
                .as("the batch's five requests were written back").isEqualTo(4);
    }

    @Test
    void gcraKeepsTheExactStateEvenWhereCostTimesWindowPassesWhatADoubleCountsInOnes() throws Exception {
        // window % limit × cost = 400 005 418 × 30 000 000 ≈ 1.2 × 10^16 > 2^53
        RateLimit limit = RateLimit.parse("999999937/day");
        long cost = 30_000_000L;
        String key = "gcra-exact:" + UUID.randomUUID();
        assertThat(store.acquire(key, Algorithm.GCRA, List.of(limit), cost, T0).toCompletableFuture().join().allowed()).isTrue();

        String stateKey = namespace.prefix() + "{" + key + "}:gcra:999999937:86400000000";
        Response state = redis.send(Request.cmd(Command.HMGET).arg(stateKey).arg("a").arg("r")).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        java.math.BigInteger spent = java.math.BigInteger.valueOf(limit.windowMicros()).multiply(java.math.BigInteger.valueOf(cost));
        java.math.BigInteger[] exact = spent.divideAndRemainder(java.math.BigInteger.valueOf(limit.limit()));
        assertThat(state.get(0).toLong()).as("arrival time µs").isEqualTo(T0 + exact[0].longValueExact());
        assertThat(state.get(1).toLong()).as("remainder in 1/limit µs, as the in-process step keeps it").isEqualTo(exact[1].longValueExact());
        long[] inProcess = Algorithm.GCRA.step(new long[0], T0, cost, limit).state();
        assertThat(new long[]{state.get(0).toLong(), state.get(1).toLong()}).isEqualTo(inProcess);
    }
}
