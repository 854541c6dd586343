package dev.gatehouse.core.ratelimit;

/**
 * The answer to one request for {@code cost} units: a value, not an exception, whether it is allowed
 * or not. Times are in microseconds from the moment of the decision.
 *
 * @param limit the limit of the window that decided (the tightest one when several apply)
 * @param remaining units still available in that window after this request
 * @param resetMicros until that window is fully available again
 * @param retryAfterMicros until a request of the same cost could pass; 0 when allowed
 */
public record Decision(boolean allowed, long limit, long remaining, long resetMicros, long retryAfterMicros) {

    public static Decision allow(long limit, long remaining, long resetMicros) {
        return new Decision(true, limit, Math.max(0, remaining), Math.max(0, resetMicros), 0);
    }

    public static Decision reject(long limit, long remaining, long resetMicros, long retryAfterMicros) {
        return new Decision(false, limit, Math.max(0, remaining), Math.max(0, resetMicros), Math.max(1, retryAfterMicros));
    }

    /** Whole seconds to wait, rounded up, as {@code Retry-After} wants them. */
    public long retryAfterSeconds() {
        return (retryAfterMicros + 999_999) / 1_000_000;
    }

    /** Whole seconds until reset, rounded up. */
    public long resetSeconds() {
        return (resetMicros + 999_999) / 1_000_000;
    }
}
