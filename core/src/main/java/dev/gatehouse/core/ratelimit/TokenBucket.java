package dev.gatehouse.core.ratelimit;

/** Token bucket: capacity = limit, refilled continuously at limit per window. Tokens are kept in millionths. */
final class TokenBucket implements Algorithm.Stepper {
    static final long SCALE = 1_000_000L;

    @Override
    public Step step(long[] state, long now, long cost, RateLimit limit) {
        long window = limit.windowMicros();
        long capacity = limit.limit() * SCALE;
        long tokens = capacity;
        if (state.length == 2) {
            long elapsed = Math.max(0, now - state[1]);
            double refill = (double) elapsed * limit.limit() * SCALE / window;
            tokens = refill >= capacity ? capacity : Math.min(capacity, state[0] + (long) refill);
        }
        long need = cost * SCALE;
        if (tokens >= need) {
            long left = tokens - need;
            return new Step(Decision.allow(limit.limit(), left / SCALE, timeToRefill(capacity - left, limit)), new long[]{left, now});
        }
        return new Step(Decision.reject(limit.limit(), tokens / SCALE, timeToRefill(capacity - tokens, limit),
                timeToRefill(need - tokens, limit)), state);
    }

    /** Microseconds until {@code missing} millionths of a token have been refilled, rounded up. */
    private static long timeToRefill(long missing, RateLimit limit) {
        return (long) Math.ceil((double) missing * limit.windowMicros() / (limit.limit() * SCALE));
    }
}
