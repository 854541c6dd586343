package dev.gatehouse.server.jobs;

import dev.gatehouse.core.jobs.QuotaPlan;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.core.time.Clock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** What every {@link QuotaStore} must do for the workers of all nodes at once. Each test uses an upstream name of its own. */
abstract class QuotaStoreContract {

    abstract QuotaStore store();

    static String upstream() {
        return "third-party-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Waits out what the store said, as a worker does. */
    static void park(long micros) {
        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(micros));
    }

    @Test
    void shouldNeverLetMoreCallsThroughThanAWindowHoldsHoweverManyWorkersAsk() throws Exception {
        QuotaStore store = store();
        String upstream = upstream();
        RateLimit second = RateLimit.perSecond(20);
        QuotaPlan plan = QuotaPlan.of(List.of(second), 0.9);
        List<Long> granted = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger wanted = new AtomicInteger(40);
        ExecutorService workers = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < 6; w++) {
                running.add(workers.submit(() -> {
                    while (wanted.get() > 0) {
                        QuotaStore.Slot slot = store.take(upstream, plan);
                        park(slot.waitMicros());
                        if (slot.granted()) {
                            // the call goes when its slot comes
                            granted.add(Clock.system().epochMicros());
                            wanted.decrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            workers.shutdownNow();
        }
        List<Long> times = new ArrayList<>(granted);
        Collections.sort(times);
        int most = 0;
        for (int from = 0, to = 0; to < times.size(); to++) {
            while (times.get(to) - times.get(from) >= second.windowMicros()) {
                from++;
            }
            most = Math.max(most, to - from + 1);
        }
        assertThat(times).hasSizeGreaterThanOrEqualTo(40);
        assertThat(most).as("calls granted in any one second (limit 20, budget 18)").isLessThanOrEqualTo(20);
        assertThat(store.used(upstream, QuotaPlan.of(List.of(RateLimit.perMinute(1000)), 0.9)).get(0))
                .as("a window the plan does not have is not counted").isZero();
    }

    @Test
    void shouldHandOutTheNextSlotAheadOfItsTimeSoRoundTripsDoNotStretchThePaceButNoFurther() throws Exception {
        QuotaStore store = store();
        String upstream = upstream();
        QuotaPlan plan = QuotaPlan.of(List.of(RateLimit.perSecond(2)), 0.9); // one call a second: two slots cover the look-ahead
        QuotaStore.Slot first = store.take(upstream, plan);
        QuotaStore.Slot second = store.take(upstream, plan);
        QuotaStore.Slot third = store.take(upstream, plan);
        assertThat(first.granted()).isTrue();
        assertThat(first.waitMicros()).as("after a lull, at once").isZero();
        assertThat(second.granted()).as("the next slot, handed out before it comes").isTrue();
        assertThat(second.waitMicros()).as("it goes one pace later").isPositive();
        assertThat(third.granted()).as("no further ahead").isFalse();
    }

    @Test
    void shouldCountTheCallsOfEachWindow() throws Exception {
        QuotaStore store = store();
        String upstream = upstream();
        QuotaPlan plan = QuotaPlan.of(List.of(RateLimit.perMinute(6000), RateLimit.parse("100000/hour")), 0.9);
        int calls = 0;
        while (calls < 5) {
            QuotaStore.Slot slot = store.take(upstream, plan);
            park(slot.waitMicros());
            if (slot.granted()) {
                calls++;
            }
        }
        List<Long> used = store.used(upstream, plan);
        // the minute may have turned between two calls; the hour rarely, and never both
        assertThat(used.get(0) + used.get(1)).isBetween(6L, 10L);
    }

    @Test
    void shouldHoldEveryCallWhileTheThirdPartyAskedForAPause() throws Exception {
        QuotaStore store = store();
        String upstream = upstream();
        QuotaPlan plan = QuotaPlan.of(List.of(RateLimit.perSecond(1000)), 0.9);
        assertThat(store.pausedMillis(upstream)).isZero();
        store.pause(upstream, Duration.ofMinutes(2));
        store.pause(upstream, Duration.ofSeconds(5));
        assertThat(store.pausedMillis(upstream)).as("a shorter pause does not cut a longer one").isGreaterThan(60_000);
        QuotaStore.Slot slot = store.take(upstream, plan);
        assertThat(slot.granted()).as("no slot while paused").isFalse();
        assertThat(slot.waitMicros()).isGreaterThan(60_000_000L);
        assertThat(store.used(upstream, plan).get(0)).isZero();
    }
}
