package dev.gatehouse.core.ratelimit;

/** Fixed windows aligned to multiples of the window length. State: [window start µs, units spent]. */
final class FixedWindow implements Algorithm.Stepper {

    @Override
    public Step step(long[] state, long now, long cost, RateLimit limit) {
        long window = limit.windowMicros();
        long start = now - Math.floorMod(now, window);
        long spent = state.length == 2 && state[0] == start ? state[1] : 0;
        long reset = start + window - now;
        if (spent + cost <= limit.limit()) {
            return new Step(Decision.allow(limit.limit(), limit.limit() - spent - cost, reset), new long[]{start, spent + cost});
        }
        return new Step(Decision.reject(limit.limit(), limit.limit() - spent, reset, reset), state);
    }
}
