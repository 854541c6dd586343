package dev.gatehouse.core.jobs;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {
    private final Backoff seed = new Backoff(List.of(Duration.ofMinutes(5), Duration.ofMinutes(15)), 0.2);

    @Test
    void shouldRetryFiveThenFifteenMinutesLaterThenGiveUp() {
        assertThat(seed.attempts()).isEqualTo(3);
        assertThat(seed.after(1, 0.5)).isEqualTo(Duration.ofMinutes(5));
        assertThat(seed.after(2, 0.5)).isEqualTo(Duration.ofMinutes(15));
        assertThat(seed.after(3, 0.5)).as("the last attempt failed: dead").isNull();
    }

    @Test
    void shouldSpreadRetriesByTheJitterEitherWay() {
        assertThat(seed.after(1, 0.0)).isEqualTo(Duration.ofMinutes(4));
        assertThat(seed.after(1, 0.999_999)).isBetween(Duration.ofSeconds(359), Duration.ofMinutes(6));
        assertThat(new Backoff(List.of(Duration.ofSeconds(1)), 0).after(1, 0.9)).isEqualTo(Duration.ofSeconds(1));
    }
}
