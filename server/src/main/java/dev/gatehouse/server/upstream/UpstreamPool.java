package dev.gatehouse.server.upstream;

import dev.gatehouse.core.balance.Balancer;
import dev.gatehouse.core.config.UpstreamConfig;

import java.util.List;
import java.util.function.Predicate;

/** A named set of targets behind one balancer; routes send requests here. */
public final class UpstreamPool {
    private final UpstreamConfig config;
    private final List<UpstreamTarget> targets;
    private final Balancer balancer;

    UpstreamPool(UpstreamConfig config, List<UpstreamTarget> targets) {
        this.config = config;
        this.targets = List.copyOf(targets);
        this.balancer = config.balancer().create();
    }

    public String name() {
        return config.name();
    }

    public UpstreamConfig config() {
        return config;
    }

    public List<UpstreamTarget> targets() {
        return targets;
    }

    /** A target that is healthy, not ejected, passes its breaker and is not in {@code tried}; or null. */
    UpstreamTarget choose(List<UpstreamTarget> tried) {
        return balancer.choose(targets, t -> !tried.contains(t) && t.selectable());
    }

    /** As {@link #choose(List)}, among the targets that also pass {@code also}. */
    UpstreamTarget choose(List<UpstreamTarget> tried, Predicate<UpstreamTarget> also) {
        return balancer.choose(targets, t -> !tried.contains(t) && t.selectable() && also.test(t));
    }

    /** True when some target is healthy but every healthy one is held back by an open breaker. */
    boolean blockedOnlyByBreakers() {
        boolean anyHealthy = false;
        for (UpstreamTarget t : targets) {
            if (t.health().isUsable()) {
                anyHealthy = true;
                if (!t.breakerBlocks()) {
                    return false;
                }
            }
        }
        return anyHealthy;
    }

    /** Seconds until the first open breaker allows a trial call. */
    long secondsUntilTrial() {
        long best = Long.MAX_VALUE;
        for (UpstreamTarget t : targets) {
            long s = t.secondsUntilTrial();
            if (s > 0) {
                best = Math.min(best, s);
            }
        }
        return best == Long.MAX_VALUE ? 1 : best;
    }
}
