package dev.gatehouse.core.ratelimit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalRateLimiterTest extends RateLimiterStoreContract {

    private final AtomicLong clock = new AtomicLong(T0);
    private final LocalRateLimiter store = new LocalRateLimiter(100_000, clock::get);

    @Override
    protected RateLimiterStore store() {
        return store;
    }

    @Test
    void usesItsOwnClockWhenNoTimeIsGiven() {
        List<RateLimit> one = List.of(RateLimit.perMinute(1));
        assertThat(store.decide("k", Algorithm.GCRA, one, 1, RateLimiterStore.STORE_CLOCK).allowed()).isTrue();
        assertThat(store.decide("k", Algorithm.GCRA, one, 1, RateLimiterStore.STORE_CLOCK).allowed()).isFalse();
        clock.addAndGet(60_000_000L);
        assertThat(store.decide("k", Algorithm.GCRA, one, 1, RateLimiterStore.STORE_CLOCK).allowed()).isTrue();
    }

    @Test
    void theNumberOfKeysIsBounded() {
        LocalRateLimiter small = new LocalRateLimiter(100, clock::get);
        for (int i = 0; i < 1_000; i++) {
            small.decide("subject-" + i, Algorithm.GCRA, List.of(RateLimit.perMinute(10)), 1, T0 + i);
        }
        assertThat(small.size()).isLessThanOrEqualTo(100);
        assertThat(small.dropped()).as("keys dropped to make room").isGreaterThanOrEqualTo(900);
    }

    @Test
    void aFloodOfNewSubjectsDropsTheShortLivedKeysNotTheLimitsOfBusyOnes() {
        LocalRateLimiter store = new LocalRateLimiter(1_000, clock::get);
        List<RateLimit> hourly = List.of(new RateLimit(10, Duration.ofHours(1)));
        for (int i = 0; i < 300; i++) {
            assertThat(store.decide("busy-" + i, Algorithm.GCRA, hourly, 3, T0).remaining()).isEqualTo(7);
        }
        // ten times the capacity in one-off subjects, each kept for a second
        for (int i = 0; i < 10_000; i++) {
            store.decide("once-" + i, Algorithm.GCRA, List.of(RateLimit.perSecond(5)), 1, T0 + i);
        }
        assertThat(store.size()).isLessThanOrEqualTo(1_000);
        for (int i = 0; i < 300; i++) {
            assertThat(store.decide("busy-" + i, Algorithm.GCRA, hourly, 1, T0 + 10_000).remaining())
                    .as("busy-%d keeps the 3 of 10 it spent this hour", i).isEqualTo(6);
        }
    }

    @Test
    void withASweeperTheCallerDoesNotSweepUntilTheStoreIsFull() {
        List<Runnable> sweeps = new ArrayList<>();
        LocalRateLimiter store = new LocalRateLimiter(1_000, clock::get, sweeps::add);
        List<RateLimit> hourly = List.of(new RateLimit(10, Duration.ofHours(1)));
        for (int i = 0; i < 1_000; i++) {
            store.decide("subject-" + i, Algorithm.GCRA, hourly, 1, T0 + i);
        }
        assertThat(store.size()).as("a hundredth short of full, a sweep was handed over, not run").isEqualTo(1_000);
        assertThat(sweeps).as("one sweep handed over, however many subjects came after").hasSize(1);

        sweeps.get(0).run();
        assertThat(store.size()).as("the sweep leaves two hundredths free").isEqualTo(980);
        assertThat(store.dropped()).isEqualTo(20);
        assertThat(store.decide("subject-999", Algorithm.GCRA, hourly, 1, T0 + 2_000).remaining())
                .as("the latest subjects are kept").isEqualTo(8);

        // the sweeper never runs again: callers keep the bound themselves
        for (int i = 0; i < 500; i++) {
            store.decide("later-" + i, Algorithm.GCRA, hourly, 1, T0 + 3_000 + i);
        }
        assertThat(store.size()).isLessThanOrEqualTo(1_000);
    }

    @Test
    void everyNewSubjectIsKeptDroppedOrCountedAsUnkeptUnderConcurrentFloods() throws Exception {
        ExecutorService sweeper = Executors.newSingleThreadExecutor();
        LocalRateLimiter small = new LocalRateLimiter(200, clock::get, sweeper);
        List<RateLimit> hourly = List.of(new RateLimit(10, Duration.ofHours(1)));
        int threads = 4;
        int each = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        assertThat(small.decide("t" + thread + "-" + i, Algorithm.GCRA, hourly, 1, T0).allowed())
                                .as("a new subject's first request").isTrue();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
            sweeper.shutdown();
            assertThat(sweeper.awaitTermination(1, TimeUnit.MINUTES)).as("the last sweep ends").isTrue();
        }
        // one clock, hour-long windows: nothing expires, so every subject is still held, was dropped to
        // make room, or was decided without being kept while another thread swept
        assertThat(small.size() + small.dropped() + small.unkept()).isEqualTo((long) threads * each);
        assertThat(small.size()).isLessThanOrEqualTo(200 + threads);
    }

    @Test
    void configNamesRoundTripAndUnknownOnesAreNamed() {
        for (Algorithm a : Algorithm.values()) {
            assertThat(Algorithm.fromConfigName(a.configName())).isEqualTo(a);
        }
        assertThatThrownBy(() -> Algorithm.fromConfigName("leaky")).hasMessageContaining("unknown rate-limit algorithm 'leaky'");
        assertThatThrownBy(() -> new RateLimit(0, Duration.ofMinutes(1))).hasMessageContaining("at least 1 per window");
    }
}
