package dev.gatehouse.core.jobs;

import dev.gatehouse.core.ratelimit.RateLimit;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class QuotaPlanTest {

    @Test
    void shouldPaceAtNinetyPercentOfTheTightestWindowSpreadEvenlyOverIt() {
        QuotaPlan plan = QuotaPlan.of(List.of(RateLimit.parse("1000/min"), RateLimit.parse("50000/hour"), RateLimit.parse("500000/day")), 0.9);
        assertThat(plan.windows()).extracting(QuotaPlan.Window::budget).containsExactly(900L, 45_000L, 450_000L);
        assertThat(plan.tightest().text()).isEqualTo("500000/day");
        // 86 400 s / 450 000 calls = 192 ms apart: 5.2 calls a second, the day's budget spread over the day
        assertThat(plan.paceMicros()).isEqualTo(192_000);
        assertThat(plan.pace()).isEqualTo(new RateLimit(1, Duration.ofMillis(192)));
    }

    @Test
    void shouldPaceAMinuteWindowAtOneCallEvery66msNotNineHundredInItsFirstSecond() {
        QuotaPlan plan = QuotaPlan.of(List.of(RateLimit.parse("1000/min"), RateLimit.parse("100000/hour")), 0.9);
        assertThat(plan.tightest().text()).isEqualTo("1000/min");
        assertThat(plan.paceMicros()).isEqualTo(66_667);
        assertThat(plan.perSecond()).isBetween(14.99, 15.0);
    }

    @Test
    void shouldNeverLetAnyStretchAsLongAsAWindowHoldMoreThanItsLimitWhereverTheWindowStarts() {
        List<RateLimit> limits = List.of(RateLimit.perSecond(20), new RateLimit(100, Duration.ofSeconds(10)), RateLimit.perMinute(300), new RateLimit(7, Duration.ofMillis(700)));
        QuotaPlan plan = QuotaPlan.of(limits, 0.9);
        // calls exactly one pace apart (the fastest the plan allows), for two minutes
        long[] calls = new long[(int) (120_000_000 / plan.paceMicros())];
        for (int i = 0; i < calls.length; i++) {
            calls[i] = 12_345 + i * plan.paceMicros();
        }
        for (RateLimit limit : limits) {
            int most = 0;
            int from = 0;
            for (int to = 0; to < calls.length; to++) {
                while (calls[to] - calls[from] >= limit.windowMicros()) {
                    from++;
                }
                most = Math.max(most, to - from + 1);
            }
            assertThat((long) most).as("calls in any %s", limit).isLessThanOrEqualTo(limit.limit());
        }
    }

    @Test
    void shouldKeepAWindowOfTwoToOneCallSinceTheOtherIsTheMargin() {
        QuotaPlan plan = QuotaPlan.of(List.of(RateLimit.perSecond(2)), 0.99);
        assertThat(plan.windows().get(0).budget()).isEqualTo(1);
        assertThat(plan.paceMicros()).isEqualTo(1_000_000);
    }

    @Test
    void shouldNameWindowsAsTheyAreWritten() {
        assertThat(QuotaPlan.text(new RateLimit(100, Duration.ofSeconds(10)))).isEqualTo("100/10s");
        assertThat(QuotaPlan.text(RateLimit.parse("50000/hour"))).isEqualTo("50000/hour");
        assertThat(QuotaPlan.text(new RateLimit(5, Duration.ofMillis(250)))).isEqualTo("5/250ms");
    }
}
