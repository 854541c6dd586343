package dev.gatehouse.core.ratelimit;

import java.util.Arrays;

/**
 * Sliding log: one timestamp per unit spent, oldest first; a unit counts while it is younger than the
 * window. Exact over any window-long span, at the cost of memory proportional to the limit.
 */
final class SlidingLog implements Algorithm.Stepper {

    @Override
    public Step step(long[] state, long now, long cost, RateLimit limit) {
        long window = limit.windowMicros();
        int first = 0;
        while (first < state.length && state[first] <= now - window) {
            first++;
        }
        int live = state.length - first;
        long[] kept = first == 0 ? state : Arrays.copyOfRange(state, first, state.length);
        if (live + cost <= limit.limit()) {
            long[] next = Arrays.copyOf(kept, live + (int) cost);
            Arrays.fill(next, live, next.length, now);
            return new Step(Decision.allow(limit.limit(), limit.limit() - next.length, window), next);
        }
        // the (live + cost − limit)-th oldest unit has to expire first
        long mustExpire = kept[(int) (live + cost - limit.limit()) - 1];
        long reset = kept[live - 1] + window - now;
        return new Step(Decision.reject(limit.limit(), limit.limit() - live, reset, mustExpire + window - now), kept);
    }
}
