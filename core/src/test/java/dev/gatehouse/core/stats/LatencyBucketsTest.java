package dev.gatehouse.core.stats;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LatencyBucketsTest {

    @Test
    void everyDurationFallsInTheBucketWhoseBoundsHoldIt() {
        for (long micros : new long[]{0, 1, 10, 11, 999, 1_000, 12_345, 5_000_000, 119_999_999, 120_000_000, Long.MAX_VALUE / 2}) {
            int i = LatencyBuckets.index(micros);
            assertThat(micros).isLessThanOrEqualTo(LatencyBuckets.upperMicros(i));
            if (i > 0) {
                assertThat(micros).isGreaterThan(LatencyBuckets.upperMicros(i - 1));
            }
        }
        assertThat(LatencyBuckets.index(0)).isZero();
        assertThat(LatencyBuckets.index(Long.MAX_VALUE / 2)).isEqualTo(LatencyBuckets.COUNT - 1);
    }

    @Test
    void quantilesFromTheBucketsAreWithinOneBucketOfTheRawDurations() {
        Random random = new Random(7);
        long[] raw = new long[20_000];
        long[] histogram = new long[LatencyBuckets.COUNT];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (long) Math.exp(random.nextGaussian() * 1.5 + 8); // log-normal around 3 ms
            histogram[LatencyBuckets.index(raw[i])]++;
        }
        Arrays.sort(raw);
        for (double p : new double[]{0.5, 0.95, 0.99}) {
            long exact = raw[(int) Math.ceil(p * raw.length) - 1];
            long estimate = LatencyBuckets.quantile(histogram, p);
            assertThat((double) estimate).as("p%s", p).isCloseTo(exact, within(exact * (LatencyBuckets.RATIO - 1) + 1));
            assertThat(estimate).isGreaterThanOrEqualTo(exact);
        }
        assertThat(LatencyBuckets.quantile(new long[LatencyBuckets.COUNT], 0.5)).isEqualTo(-1);
    }
}
