package dev.gatehouse.core.stats;

import java.util.Arrays;

/**
 * Fixed, log-scale latency buckets for the histograms kept in analytics rollups: bucket {@code i} counts
 * durations above bucket {@code i - 1}'s bound up to its own, {@link #upperMicros(int)}; the first takes all up
 * to 10 µs and the last everything past two minutes. Each bound is 15 % above the last, so a percentile read
 * from the buckets is within 15 % of the one its raw durations give. Histograms from any node add up bucket
 * by bucket, because the bounds never change.
 */
public final class LatencyBuckets {
    /** The first bucket's bound. */
    public static final long FIRST_MICROS = 10;
    /** Each bound over the one before. */
    public static final double RATIO = 1.15;
    /** Durations past this all fall in the last bucket. */
    public static final long LAST_MICROS = 120_000_000;

    private static final long[] UPPER = bounds();
    /** How many buckets a histogram has. */
    public static final int COUNT = UPPER.length;

    private LatencyBuckets() {
    }

    private static long[] bounds() {
        long[] upper = new long[256];
        int n = 0;
        double bound = FIRST_MICROS;
        while (true) {
            upper[n] = (long) Math.ceil(bound);
            if (upper[n] >= LAST_MICROS) {
                upper[n] = Long.MAX_VALUE;
                return Arrays.copyOf(upper, n + 1);
            }
            n++;
            bound *= RATIO;
        }
    }

    /** The bucket a duration falls in. */
    public static int index(long micros) {
        int at = Arrays.binarySearch(UPPER, Math.max(0, micros));
        return at >= 0 ? at : -at - 1;
    }

    /** The largest duration bucket {@code i} counts (µs); {@link Long#MAX_VALUE} for the last. */
    public static long upperMicros(int i) {
        return UPPER[i];
    }

    /**
     * The {@code p}-quantile (0 to 1) of the durations counted in {@code histogram}, as its bucket's bound (for the
     * last bucket, {@link #LAST_MICROS}); -1 when the histogram is empty.
     */
    public static long quantile(long[] histogram, double p) {
        if (p < 0 || p > 1) {
            throw new IllegalArgumentException("a quantile is from 0 to 1, got " + p);
        }
        long total = 0;
        for (long count : histogram) {
            total += count;
        }
        if (total == 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(p * total));
        long seen = 0;
        for (int i = 0; i < histogram.length; i++) {
            seen += histogram[i];
            if (seen >= rank) {
                return i == COUNT - 1 ? LAST_MICROS : UPPER[Math.min(i, COUNT - 1)];
            }
        }
        return LAST_MICROS;
    }

    /** Adds {@code more} into {@code into}, bucket by bucket (both of {@link #COUNT} buckets). */
    public static void add(long[] into, long[] more) {
        for (int i = 0; i < Math.min(into.length, more.length); i++) {
            into[i] += more[i];
        }
    }
}
