package dev.gatehouse.core.config;

import dev.gatehouse.core.ratelimit.RateLimit;

import java.util.List;

/**
 * A third party's limits on the calls job workers make to an upstream ({@code upstreams.<name>.quota}): every
 * window is the third party's, shared by all nodes; workers keep to {@code target} of each.
 *
 * @param limits the third party's windows, e.g. 1000/min, 50000/hour, 500000/day
 * @param target the share of each window the workers use, above 0 and below 1 (the rest is the margin for clock
 *               skew and other clients of the same account)
 */
public record QuotaConfig(List<RateLimit> limits, double target) {

    public static final double DEFAULT_TARGET = 0.9;

    public QuotaConfig {
        limits = Require.nonEmpty("limits", limits);
        if (!(target > 0 && target < 1)) {
            throw new IllegalArgumentException("target must be above 0% and below 100%, got " + target);
        }
        for (RateLimit limit : limits) {
            if (limit.limit() < 2) {
                throw new IllegalArgumentException("a quota window must allow at least 2 calls (one is the margin), got " + limit.limit());
            }
        }
    }
}
