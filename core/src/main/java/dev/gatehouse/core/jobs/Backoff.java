package dev.gatehouse.core.jobs;

import java.time.Duration;
import java.util.List;

/**
 * When a failed job is tried again: the wait for its n-th retry is the n-th of the queue's {@code backoff}, moved
 * by up to {@code jitter} of it either way (a burst that failed together does not come back together). A job
 * whose retries are spent is dead.
 */
public final class Backoff {
    private final List<Duration> waits;
    private final double jitter;

    public Backoff(List<Duration> waits, double jitter) {
        this.waits = List.copyOf(waits);
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be between 0 and 1, got " + jitter);
        }
        this.jitter = jitter;
    }

    /** Attempts a job gets in all. */
    public int attempts() {
        return waits.size() + 1;
    }

    /**
     * The wait after attempt {@code attempt} (1-based) failed, or null when that was the last one.
     *
     * @param random a number in [0, 1): where in the jitter's span this wait falls
     */
    public Duration after(int attempt, double random) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempts are counted from 1, got " + attempt);
        }
        if (attempt > waits.size()) {
            return null;
        }
        Duration base = waits.get(attempt - 1);
        double factor = 1 + jitter * (2 * random - 1);
        return Duration.ofNanos(Math.max(1, (long) (base.toNanos() * factor)));
    }
}
