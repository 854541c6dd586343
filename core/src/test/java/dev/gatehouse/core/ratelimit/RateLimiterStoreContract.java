package dev.gatehouse.core.ratelimit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static dev.gatehouse.core.ratelimit.Algorithm.FIXED_WINDOW;
import static dev.gatehouse.core.ratelimit.Algorithm.GCRA;
import static dev.gatehouse.core.ratelimit.Algorithm.SLIDING_COUNTER;
import static dev.gatehouse.core.ratelimit.Algorithm.SLIDING_LOG;
import static dev.gatehouse.core.ratelimit.Algorithm.TOKEN_BUCKET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every rate-limiter store must do, whatever keeps its state. Time is passed explicitly, so the
 * suite drives the clock. A store's test extends this class and says how to make the store.
 */
public abstract class RateLimiterStoreContract {

    /** A minute-aligned instant plus 1 s, so fixed windows do not roll over in the middle of a test. */
    protected static final long T0 = 1_800_000_000L * 1_000_000L + 1_000_000L;
    private static final long SECOND = 1_000_000L;
    private static final long MINUTE = 60 * SECOND;

    protected abstract RateLimiterStore store();

    /** A key no other test uses. */
    protected String key() {
        return "contract:" + UUID.randomUUID();
    }

    private Decision acquire(String key, Algorithm algorithm, List<RateLimit> windows, long cost, long now) {
        return store().acquire(key, algorithm, windows, cost, now).toCompletableFuture().join();
    }

    private Decision acquire(String key, Algorithm algorithm, RateLimit limit, long now) {
        return acquire(key, algorithm, List.of(limit), 1, now);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void allowsExactlyTheLimitInABurstThenRejects(Algorithm algorithm) {
        String key = key();
        RateLimit limit = RateLimit.perMinute(5);
        for (int i = 4; i >= 0; i--) {
            Decision d = acquire(key, algorithm, limit, T0);
            assertThat(d.allowed()).isTrue();
            assertThat(d.limit()).isEqualTo(5);
            assertThat(d.remaining()).isEqualTo(i);
        }
        Decision rejected = acquire(key, algorithm, limit, T0);
        assertThat(rejected.allowed()).isFalse();
        assertThat(rejected.remaining()).isZero();
        // the sliding counter may need more than a window: the full window it spent still weighs on the next
        assertThat(rejected.retryAfterMicros()).isBetween(1L, algorithm == SLIDING_COUNTER ? 2 * MINUTE : MINUTE);
        assertThat(rejected.resetMicros()).isBetween(1L, 2 * MINUTE);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void keysAreIndependent(Algorithm algorithm) {
        String a = key();
        String b = key();
        RateLimit limit = RateLimit.perMinute(1);
        assertThat(acquire(a, algorithm, limit, T0).allowed()).isTrue();
        assertThat(acquire(a, algorithm, limit, T0).allowed()).isFalse();
        assertThat(acquire(b, algorithm, limit, T0).allowed()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aCostAboveOneSpendsThatManyUnits(Algorithm algorithm) {
        String key = key();
        List<RateLimit> limit = List.of(RateLimit.perMinute(10));
        assertThat(acquire(key, algorithm, limit, 4, T0).remaining()).isEqualTo(6);
        assertThat(acquire(key, algorithm, limit, 4, T0).remaining()).isEqualTo(2);
        Decision tooMuch = acquire(key, algorithm, limit, 4, T0);
        assertThat(tooMuch.allowed()).isFalse();
        assertThat(tooMuch.remaining()).as("a rejection spends nothing").isEqualTo(2);
        Decision exact = acquire(key, algorithm, limit, 2, T0);
        assertThat(exact.allowed()).isTrue();
        assertThat(exact.remaining()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aCostAboveTheLimitIsAlwaysRejected(Algorithm algorithm) {
        Decision d = acquire(key(), algorithm, List.of(RateLimit.perMinute(3)), 4, T0);
        assertThat(d.allowed()).isFalse();
        assertThat(d.remaining()).isEqualTo(3);
        assertThat(d.retryAfterMicros()).isEqualTo(MINUTE);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA", "FIXED_WINDOW", "SLIDING_LOG"})
    void theWholeLimitIsBackOneWindowLater(Algorithm algorithm) {
        String key = key();
        RateLimit limit = RateLimit.perMinute(5);
        for (int i = 0; i < 5; i++) {
            acquire(key, algorithm, limit, T0);
        }
        for (int i = 0; i < 5; i++) {
            assertThat(acquire(key, algorithm, limit, T0 + MINUTE).allowed()).isTrue();
        }
        assertThat(acquire(key, algorithm, limit, T0 + MINUTE).allowed()).isFalse();
    }

    @Test
    void theSlidingCounterForgetsEverythingTwoWindowsLater() {
        String key = key();
        RateLimit limit = RateLimit.perMinute(5);
        for (int i = 0; i < 5; i++) {
            acquire(key, SLIDING_COUNTER, limit, T0);
        }
        for (int i = 0; i < 5; i++) {
            assertThat(acquire(key, SLIDING_COUNTER, limit, T0 + 2 * MINUTE).allowed()).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA", "FIXED_WINDOW", "SLIDING_LOG"})
    void retryAfterSaysExactlyWhenTheRequestWouldPass(Algorithm algorithm) {
        String key = key();
        RateLimit limit = RateLimit.perMinute(3);
        for (int i = 0; i < 3; i++) {
            acquire(key, algorithm, limit, T0);
        }
        Decision rejected = acquire(key, algorithm, limit, T0 + 10 * SECOND);
        assertThat(rejected.allowed()).isFalse();
        long at = T0 + 10 * SECOND + rejected.retryAfterMicros();
        assertThat(acquire(key, algorithm, limit, at - 1).allowed()).as("one microsecond early").isFalse();
        assertThat(acquire(key, algorithm, limit, at).allowed()).isTrue();
    }

    @Test
    void theSlidingCounterAllowsAgainByItsRetryAfter() {
        String key = key();
        RateLimit limit = RateLimit.perMinute(4);
        for (int i = 0; i < 4; i++) {
            acquire(key, SLIDING_COUNTER, limit, T0);
        }
        Decision rejected = acquire(key, SLIDING_COUNTER, limit, T0 + 30 * SECOND);
        assertThat(rejected.allowed()).isFalse();
        assertThat(acquire(key, SLIDING_COUNTER, limit, T0 + 30 * SECOND + rejected.retryAfterMicros()).allowed()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"TOKEN_BUCKET", "GCRA"})
    void bucketsRefillOneUnitPerIntervalOfWindowOverLimit(Algorithm algorithm) {
        String key = key();
        RateLimit limit = RateLimit.perMinute(60);
        for (int i = 0; i < 60; i++) {
            assertThat(acquire(key, algorithm, limit, T0).allowed()).isTrue();
        }
        assertThat(acquire(key, algorithm, limit, T0 + SECOND - 1).allowed()).isFalse();
        assertThat(acquire(key, algorithm, limit, T0 + SECOND).allowed()).isTrue();
        assertThat(acquire(key, algorithm, limit, T0 + SECOND).allowed()).isFalse();
        Decision half = acquire(key, algorithm, List.of(limit), 1, T0 + 31 * SECOND);
        assertThat(half.remaining()).isEqualTo(29);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"GCRA", "TOKEN_BUCKET", "FIXED_WINDOW", "SLIDING_LOG", "SLIDING_COUNTER"})
    void largeLimitsAreExactToo(Algorithm algorithm) {
        String key = key();
        RateLimit limit = new RateLimit(7_777, Duration.ofMinutes(1));
        int allowed = 0;
        for (int i = 0; i < 8_000; i++) {
            if (acquire(key, algorithm, List.of(limit), 1, T0).allowed()) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(7_777);
    }

    @Test
    void aFixedWindowStartsAfreshAtItsBoundary() {
        String key = key();
        RateLimit limit = RateLimit.perMinute(2);
        long end = T0 - SECOND + MINUTE;
        acquire(key, FIXED_WINDOW, limit, end - 1);
        acquire(key, FIXED_WINDOW, limit, end - 1);
        Decision rejected = acquire(key, FIXED_WINDOW, limit, end - 1);
        assertThat(rejected.allowed()).isFalse();
        assertThat(rejected.resetMicros()).isEqualTo(1);
        assertThat(acquire(key, FIXED_WINDOW, limit, end).remaining()).isEqualTo(1);
    }

    @Test
    void aSlidingLogCountsEachUnitForExactlyOneWindow() {
        String key = key();
        List<RateLimit> limit = List.of(RateLimit.perMinute(5));
        acquire(key, SLIDING_LOG, limit, 3, T0);
        acquire(key, SLIDING_LOG, limit, 2, T0 + 30 * SECOND);
        assertThat(acquire(key, SLIDING_LOG, limit, 1, T0 + MINUTE - 1).allowed()).isFalse();
        assertThat(acquire(key, SLIDING_LOG, limit, 3, T0 + MINUTE).allowed()).isTrue();
        assertThat(acquire(key, SLIDING_LOG, limit, 1, T0 + MINUTE).allowed()).isFalse();
    }

    @Test
    void theSlidingCounterWeighsAFullDayOfHundredsOfMillionsWithoutOverflow() {
        String key = key();
        RateLimit limit = RateLimit.parse("150000000/day");
        long day = limit.windowMicros();
        long dayStart = T0 - Math.floorMod(T0, day);
        assertThat(acquire(key, SLIDING_COUNTER, List.of(limit), 150_000_000L, dayStart + 3_600 * SECOND).allowed()).isTrue();
        // 1 ms into the next day the full previous day still weighs 149 999 998.26: one more fits, not three
        Decision next = acquire(key, SLIDING_COUNTER, limit, dayStart + day + 1_000);
        assertThat(next.allowed()).isTrue();
        assertThat(next.remaining()).isEqualTo(1);
        assertThat(acquire(key, SLIDING_COUNTER, List.of(limit), 2, dayStart + day + 1_000).allowed()).isFalse();
    }

    @Test
    void theSlidingCounterWeighsThePreviousWindowByItsOverlap() {
        String key = key();
        RateLimit limit = RateLimit.perMinute(10);
        long windowStart = T0 - SECOND;
        for (int i = 0; i < 10; i++) {
            acquire(key, SLIDING_COUNTER, limit, windowStart + 5 * SECOND);
        }
        long halfIntoNext = windowStart + MINUTE + 30 * SECOND;
        int allowed = 0;
        for (int i = 0; i < 10; i++) {
            if (acquire(key, SLIDING_COUNTER, limit, halfIntoNext).allowed()) {
                allowed++;
            }
        }
        assertThat(allowed).as("half of the previous window still counts").isEqualTo(5);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void everyWindowMustAllowAndARejectionSpendsFromNone(Algorithm algorithm) {
        String key = key();
        List<RateLimit> windows = List.of(RateLimit.perSecond(3), RateLimit.perMinute(4));
        for (int i = 0; i < 3; i++) {
            assertThat(acquire(key, algorithm, windows, 1, T0).allowed()).isTrue();
        }
        Decision bySecond = acquire(key, algorithm, windows, 1, T0);
        assertThat(bySecond.allowed()).isFalse();
        assertThat(bySecond.limit()).isEqualTo(3);

        Decision fourth = acquire(key, algorithm, windows, 1, T0 + 2 * SECOND);
        assertThat(fourth.allowed()).as("the rejected request spent nothing from the minute").isTrue();
        assertThat(fourth.limit()).as("the tightest window is reported").isEqualTo(4);
        assertThat(fourth.remaining()).isZero();

        Decision byMinute = acquire(key, algorithm, windows, 1, T0 + 4 * SECOND);
        assertThat(byMinute.allowed()).isFalse();
        assertThat(byMinute.limit()).isEqualTo(4);
        assertThat(byMinute.retryAfterMicros()).as("the minute window decided, not the second").isGreaterThan(SECOND);
    }
}
