package dev.gatehouse.core.config;

/**
 * A route's share in the request log ({@code log}): off, every request, or a sample of them. An error
 * answer (4xx or 5xx) is always kept, whatever the sample.
 *
 * @param sample the share of successful requests kept, 0 (none) to 1 (all)
 */
public record RequestLogPolicy(boolean enabled, double sample) {

    public static final RequestLogPolicy ALL = new RequestLogPolicy(true, 1.0);
    public static final RequestLogPolicy OFF = new RequestLogPolicy(false, 0.0);

    public RequestLogPolicy {
        if (!(sample >= 0 && sample <= 1)) {
            throw new IllegalArgumentException("sample must be from 0 to 1, got " + sample);
        }
    }

    /** Whether a request answered with {@code status} is kept, {@code draw} being uniform in [0, 1). */
    public boolean keeps(int status, double draw) {
        return enabled && (status >= 400 || draw < sample);
    }
}
