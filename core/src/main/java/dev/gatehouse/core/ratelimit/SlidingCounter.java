package dev.gatehouse.core.ratelimit;

/**
 * Sliding window counter: the previous fixed window's count, weighted by how much of it the sliding
 * window still covers, plus the current window's count. Constant memory; approximate between windows.
 * State: [current window start µs, current count, previous count].
 */
final class SlidingCounter implements Algorithm.Stepper {

    @Override
    public Step step(long[] state, long now, long cost, RateLimit limit) {
        long window = limit.windowMicros();
        long l = limit.limit();
        long start = now - Math.floorMod(now, window);
        long current = 0;
        long previous = 0;
        if (state.length == 3) {
            if (state[0] == start) {
                current = state[1];
                previous = state[2];
            } else if (state[0] == start - window) {
                previous = state[1];
            }
        }
        long elapsed = now - start;
        long weighted = scale(previous, window - elapsed, window);
        long used = weighted + current;
        if (used + cost <= l) {
            // everything spent now has stopped counting once the next window has fully passed
            return new Step(Decision.allow(l, l - used - cost, start + 2 * window - now), new long[]{start, current + cost, previous});
        }
        long reset = (current > 0 ? start + 2 * window : start + window) - now;
        return new Step(Decision.reject(l, Math.max(0, l - used), reset, retryAfter(now, start, window, l, current, previous, cost)),
                state);
    }

    /** When the weighted count will have dropped enough for {@code cost} more units. */
    private static long retryAfter(long now, long start, long window, long l, long current, long previous, long cost) {
        if (current + cost <= l && previous > 0) {
            // within this window: previous × (window − e) / window + current + cost ≤ l
            long e = window - scale(l - current - cost, window, previous);
            return Math.max(1, start + e - now);
        }
        // next window: current becomes the previous one
        long untilNext = start + window - now;
        if (current == 0 || current + cost <= l) {
            return untilNext;
        }
        long e = window - scale(l - cost, window, current);
        return untilNext + Math.max(0, e);
    }

    /**
     * floor(a × b / c) in doubles, step for step as sliding-counter.lua computes it, so this store and
     * Redis agree: a count of the hundreds of millions times a day in µs passes 2^63, which a long would
     * overflow (letting a full previous day weigh nothing) and a double only rounds.
     */
    private static long scale(long a, long b, long c) {
        return (long) Math.floor((double) a * b / c);
    }
}
