package dev.gatehouse.core.ratelimit;

/**
 * A rate-limit algorithm as a pure step {@code (state, now, cost, limit) → (decision, state)}. State is a
 * flat {@code long[]} (empty for a subject never seen) so that every backend — a map in this process,
 * a Redis hash read by a Lua script — stores the same thing. Time is in microseconds.
 */
public enum Algorithm {

    /** Refills continuously at limit/window; bursts up to the limit. State: [tokens × 10⁶, last refill]. Memory: 2 numbers. */
    TOKEN_BUCKET(new TokenBucket()),
    /** Generic cell rate algorithm: token bucket as one timestamp. State: [theoretical arrival time]. Memory: 1 number. */
    GCRA(new Gcra()),
    /** Counts per aligned window; up to 2× the limit across a boundary. State: [window start, count]. Memory: 2 numbers. */
    FIXED_WINDOW(new FixedWindow()),
    /** Exact over any window-long span; one entry per unit spent. State: timestamps. Memory: O(limit). */
    SLIDING_LOG(new SlidingLog()),
    /** The previous window's count weighted by overlap plus the current one. State: [window start, current, previous]. Memory: 3 numbers. */
    SLIDING_COUNTER(new SlidingCounter());

    /**
     * The most a sliding-log window may allow: the log keeps an entry per unit spent (about 40 bytes each in
     * Redis, 8 in process, where each decision also copies them), so a larger limit is a memory and CPU cost
     * per subject that no other algorithm has.
     */
    public static final long MAX_SLIDING_LOG_LIMIT = 10_000;

    /**
     * The algorithm that decides a policy of these windows: this one, except that a sliding log with a
     * window above {@link #MAX_SLIDING_LOG_LIMIT} (a tier or a key's override; configured limits are checked
     * when the file is read) is decided by the sliding counter, the constant-memory algorithm closest to it.
     */
    public Algorithm forWindows(java.util.List<RateLimit> windows) {
        if (this == SLIDING_LOG) {
            for (RateLimit window : windows) {
                if (window.limit() > MAX_SLIDING_LOG_LIMIT) {
                    return SLIDING_COUNTER;
                }
            }
        }
        return this;
    }

    /** One algorithm's step; implementations are stateless and thread-safe. */
    interface Stepper {
        Step step(long[] state, long nowMicros, long cost, RateLimit limit);
    }

    private final Stepper stepper;

    Algorithm(Stepper stepper) {
        this.stepper = stepper;
    }

    /**
     * Decides a request for {@code cost} units at {@code nowMicros}. A cost above the limit can never
     * pass and is rejected with the window as its retry time.
     */
    public Step step(long[] state, long nowMicros, long cost, RateLimit limit) {
        if (cost < 1) {
            throw new IllegalArgumentException("cost must be at least 1, got " + cost);
        }
        if (cost > limit.limit()) {
            Step probe = stepper.step(state, nowMicros, 1, limit);
            Decision d = probe.decision();
            return new Step(Decision.reject(limit.limit(), d.allowed() ? d.remaining() + 1 : d.remaining(), d.resetMicros(),
                    limit.windowMicros()), state);
        }
        return stepper.step(state, nowMicros, cost, limit);
    }

    /** The configuration name: {@code token-bucket}, {@code gcra}, {@code fixed-window}, {@code sliding-log}, {@code sliding-counter}. */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    public static Algorithm fromConfigName(String name) {
        for (Algorithm a : values()) {
            if (a.configName().equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown rate-limit algorithm '" + name
                + "'; use token-bucket, gcra, fixed-window, sliding-log or sliding-counter");
    }
}
