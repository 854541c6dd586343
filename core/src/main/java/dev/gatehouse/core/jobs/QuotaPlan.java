package dev.gatehouse.core.jobs;

import dev.gatehouse.core.config.QuotaConfig;
import dev.gatehouse.core.ratelimit.RateLimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How job workers keep to a third party's quota: one call every {@link #paceMicros()} across all nodes, never
 * faster. The pace is the tightest window's budget spread evenly over it: each window's budget is {@code target}
 * of its limit, and at most one below it; the pace is the longest of {@code window ÷ budget}. Any stretch of time
 * as long as a window then holds at most {@code budget + 1} calls, which is within the limit however the third
 * party lines its windows up (fixed or sliding) — 900/min comes as one call every 66.7 ms, never 900 in a second.
 */
public final class QuotaPlan {

    /** One of the third party's windows and the calls workers allow themselves in it. */
    public record Window(RateLimit limit, long budget) {
        /** The window as configured, e.g. {@code 1000/min} or {@code 100/10s}. */
        public String text() {
            return QuotaPlan.text(limit);
        }
    }

    private final List<Window> windows;
    private final long paceMicros;

    private QuotaPlan(List<Window> windows, long paceMicros) {
        this.windows = List.copyOf(windows);
        this.paceMicros = paceMicros;
    }

    public static QuotaPlan of(QuotaConfig quota) {
        return of(quota.limits(), quota.target());
    }

    /** @param target the share of each window to use, above 0 and below 1 */
    public static QuotaPlan of(List<RateLimit> limits, double target) {
        if (limits.isEmpty()) {
            throw new IllegalArgumentException("a quota needs at least one window");
        }
        List<Window> windows = new ArrayList<>();
        long pace = 1;
        for (RateLimit limit : limits) {
            long budget = Math.max(1, Math.min((long) Math.floor(limit.limit() * target + 1e-9), limit.limit() - 1));
            windows.add(new Window(limit, budget));
            // rounded up: the pace errs on the slow side by under a microsecond
            pace = Math.max(pace, (limit.windowMicros() + budget - 1) / budget);
        }
        return new QuotaPlan(windows, pace);
    }

    public List<Window> windows() {
        return windows;
    }

    /** The time between two calls, in microseconds. */
    public long paceMicros() {
        return paceMicros;
    }

    /** Calls per second at the pace. */
    public double perSecond() {
        return 1_000_000.0 / paceMicros;
    }

    /** The pace as a rate limit of one call per interval: GCRA over it lets a call through only once the last one's interval has passed. */
    public RateLimit pace() {
        return new RateLimit(1, Duration.ofNanos(paceMicros * 1000));
    }

    /** The window that sets the pace. */
    public Window tightest() {
        Window tightest = windows.get(0);
        for (Window w : windows) {
            if ((double) w.limit().windowMicros() / w.budget() > (double) tightest.limit().windowMicros() / tightest.budget()) {
                tightest = w;
            }
        }
        return tightest;
    }

    /** The start of the aligned window {@code window} that {@code nowMicros} falls in, as usage is counted. */
    public static long windowStart(RateLimit window, long nowMicros) {
        return nowMicros - Math.floorMod(nowMicros, window.windowMicros());
    }

    /** {@code 1000/min}, or {@code 100/10s} for a window RateLimit has no name for. */
    static String text(RateLimit limit) {
        long millis = limit.window().toMillis();
        if (millis % 1000 != 0) {
            return limit.limit() + "/" + millis + "ms";
        }
        long s = millis / 1000;
        return switch ((int) Math.min(s, Integer.MAX_VALUE)) {
            case 1 -> limit.limit() + "/s";
            case 60 -> limit.limit() + "/min";
            case 3600 -> limit.limit() + "/hour";
            case 86_400 -> limit.limit() + "/day";
            default -> limit.limit() + "/" + (s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s");
        };
    }

    @Override
    public String toString() {
        return "QuotaPlan" + windows.stream().map(w -> w.text() + " (budget " + w.budget() + ")").toList() + " one call every "
                + paceMicros + " µs";
    }
}
