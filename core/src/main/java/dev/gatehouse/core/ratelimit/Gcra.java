package dev.gatehouse.core.ratelimit;

/**
 * Generic cell rate algorithm. Each unit moves the theoretical arrival time (TAT) on by window/limit;
 * a request passes while TAT − now stays within one window. TAT is kept exactly as microseconds plus a
 * remainder in 1/limit of a microsecond, so exactly {@code limit} units fit in a burst for any limit.
 * State: [TAT µs, TAT remainder].
 */
final class Gcra implements Algorithm.Stepper {

    @Override
    public Step step(long[] state, long now, long cost, RateLimit limit) {
        long window = limit.windowMicros();
        long l = limit.limit();
        long tat = now;
        long rem = 0;
        if (state.length == 2 && (state[0] > now || (state[0] == now && state[1] > 0))) {
            tat = state[0];
            rem = state[1];
        }
        // cost × window / limit, as whole microseconds q plus r / limit
        long q = cost * (window / l) + ((window % l) * cost) / l;
        long r = ((window % l) * cost) % l;
        long nextTat = tat + q;
        long nextRem = rem + r;
        if (nextRem >= l) {
            nextRem -= l;
            nextTat++;
        }
        long ahead = nextTat - now;
        boolean fits = ahead < window || (ahead == window && nextRem == 0);
        if (fits) {
            return new Step(Decision.allow(l, remaining(ahead, nextRem, window, l), ahead + (nextRem > 0 ? 1 : 0)),
                    new long[]{nextTat, nextRem});
        }
        long currentAhead = tat - now;
        long retry = ahead - window + (nextRem > 0 ? 1 : 0);
        return new Step(Decision.reject(l, remaining(currentAhead, rem, window, l), currentAhead + (rem > 0 ? 1 : 0), retry), state);
    }

    /** Whole units that still fit: floor((window − ahead) × limit / window), with ahead = aheadMicros + rem/limit. */
    private static long remaining(long aheadMicros, long rem, long window, long limit) {
        if (aheadMicros <= 0 && rem == 0) {
            return limit;
        }
        double free = ((double) (window - aheadMicros) * limit - rem) / window;
        return Math.max(0, (long) Math.floor(free + 1e-9));
    }
}
