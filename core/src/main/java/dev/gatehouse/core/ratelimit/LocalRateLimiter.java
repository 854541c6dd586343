package dev.gatehouse.core.ratelimit;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Rate-limit state in this process, for a single node or as the fallback when Redis is down. Each key's
 * decision is atomic. The number of keys is bounded: when full, expired keys are swept first, then the
 * keys closest to expiry are dropped (a dropped key starts afresh, which only ever allows more).
 */
public final class LocalRateLimiter implements RateLimiterStore {

    private record Entry(long[][] states, long expiresAt) {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final int maxKeys;
    private final LongSupplier clockMicros;

    /** @param clockMicros the time in microseconds when callers do not pass one */
    public LocalRateLimiter(int maxKeys, LongSupplier clockMicros) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be at least 1, got " + maxKeys);
        }
        this.maxKeys = maxKeys;
        this.clockMicros = clockMicros;
    }

    @Override
    public CompletionStage<Decision> acquire(String key, Algorithm algorithm, List<RateLimit> windows, long cost, long nowMicros) {
        return CompletableFuture.completedFuture(decide(key, algorithm, windows, cost, nowMicros));
    }

    /** The same as {@link #acquire}, synchronously: nothing here blocks. */
    public Decision decide(String key, Algorithm algorithm, List<RateLimit> windows, long cost, long nowMicros) {
        long now = nowMicros == STORE_CLOCK ? clockMicros.getAsLong() : nowMicros;
        if (!entries.containsKey(key) && entries.size() >= maxKeys) {
            makeRoom(now);
        }
        long longest = windows.stream().mapToLong(RateLimit::windowMicros).max().orElse(0);
        Decision[] result = new Decision[1];
        entries.compute(key, (k, entry) -> {
            long[][] states = entry == null || entry.expiresAt <= now ? new long[windows.size()][] : entry.states;
            if (states.length != windows.size()) {
                states = new long[windows.size()][];
            }
            MultiWindow.Evaluation evaluation = MultiWindow.evaluate(algorithm, windows, states, now, cost);
            result[0] = evaluation.decision();
            // state may matter for up to two windows (sliding counter looks one window back)
            return new Entry(evaluation.states(), evaluation.changed() ? now + 2 * longest : Math.max(entry == null ? 0 : entry.expiresAt, now + longest));
        });
        return result[0];
    }

    public int size() {
        return entries.size();
    }

    private void makeRoom(long now) {
        entries.values().removeIf(e -> e.expiresAt <= now);
        while (entries.size() >= maxKeys) {
            String soonest = null;
            long soonestAt = Long.MAX_VALUE;
            for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, Entry> e = it.next();
                if (e.getValue().expiresAt < soonestAt) {
                    soonest = e.getKey();
                    soonestAt = e.getValue().expiresAt;
                }
            }
            if (soonest == null) {
                return;
            }
            entries.remove(soonest);
        }
    }
}
