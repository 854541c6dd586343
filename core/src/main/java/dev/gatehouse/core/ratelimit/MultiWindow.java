package dev.gatehouse.core.ratelimit;

import java.util.List;

/**
 * Several windows at once (per second, minute, hour, day): a request passes only if every window
 * allows it, and only then is anything spent. Pure, like the algorithms; every backend calls this
 * (the Redis scripts implement the same rule).
 */
public final class MultiWindow {

    /** The combined decision and the states to keep; {@code changed} is false when nothing needs writing. */
    public record Evaluation(Decision decision, long[][] states, boolean changed) {
    }

    private MultiWindow() {
    }

    public static Evaluation evaluate(Algorithm algorithm, List<RateLimit> windows, long[][] states, long now, long cost) {
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("a rate-limit policy needs at least one window");
        }
        long[][] next = new long[windows.size()][];
        Decision tightest = null;
        Decision longestWait = null;
        for (int i = 0; i < windows.size(); i++) {
            Step step = algorithm.step(states[i] == null ? new long[0] : states[i], now, cost, windows.get(i));
            next[i] = step.state();
            Decision d = step.decision();
            if (!d.allowed()) {
                if (longestWait == null || d.retryAfterMicros() > longestWait.retryAfterMicros()) {
                    longestWait = d;
                }
            } else if (tightest == null || d.remaining() < tightest.remaining()
                    || (d.remaining() == tightest.remaining() && d.resetMicros() > tightest.resetMicros())) {
                tightest = d;
            }
        }
        if (longestWait != null) {
            return new Evaluation(longestWait, states, false);
        }
        return new Evaluation(tightest, next, true);
    }
}
