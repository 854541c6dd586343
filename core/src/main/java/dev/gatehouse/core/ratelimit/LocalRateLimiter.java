package dev.gatehouse.core.ratelimit;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Rate-limit state in this process, for a single node or as the fallback when Redis is down. Each key's
 * decision is atomic. The number of keys is bounded: a sweep drops expired keys and then the keys closest
 * to expiry (a dropped key starts afresh, which only ever allows more), a hundredth of the capacity at
 * a time, so a flood of new subjects costs one sweep per hundredth of the capacity, not one per subject.
 * Given a sweeper (an executor), sweeps start there when the store is a hundredth short of full, so
 * callers (event loops) do not pay for them; a caller sweeps itself only if the store fills up anyway.
 * A new subject that finds the store full while another thread sweeps is decided as new and not kept,
 * so nobody waits and the bound is passed by at most one key per concurrent caller.
 */
public final class LocalRateLimiter implements RateLimiterStore {

    private record Entry(long[][] states, long expiresAt) {
    }

    /** How many expiry times a sweep looks at to choose which keys to drop. */
    private static final int SAMPLE = 1024;

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    /** A sweep has been handed to the sweeper and has not finished. */
    private final AtomicBoolean queued = new AtomicBoolean();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong unkept = new AtomicLong();
    private final int maxKeys;
    private final int room;
    private final LongSupplier clockMicros;
    private final Executor sweeper;

    /** @param clockMicros the time in microseconds when callers do not pass one */
    public LocalRateLimiter(int maxKeys, LongSupplier clockMicros) {
        this(maxKeys, clockMicros, null);
    }

    /**
     * @param clockMicros the time in microseconds when callers do not pass one
     * @param sweeper     where sweeps run ahead of need, or null to sweep only in the caller when full
     */
    public LocalRateLimiter(int maxKeys, LongSupplier clockMicros, Executor sweeper) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be at least 1, got " + maxKeys);
        }
        this.maxKeys = maxKeys;
        this.room = Math.max(1, maxKeys / 100);
        this.clockMicros = clockMicros;
        this.sweeper = sweeper;
    }

    @Override
    public CompletionStage<Decision> acquire(String key, Algorithm algorithm, List<RateLimit> windows, long cost, long nowMicros) {
        return CompletableFuture.completedFuture(decide(key, algorithm, windows, cost, nowMicros));
    }

    /** The same as {@link #acquire}, synchronously: nothing here blocks. */
    public Decision decide(String key, Algorithm algorithm, List<RateLimit> windows, long cost, long nowMicros) {
        long now = nowMicros == STORE_CLOCK ? clockMicros.getAsLong() : nowMicros;
        if (!entries.containsKey(key)) {
            int size = entries.size();
            if (size >= maxKeys && !sweep(now, maxKeys - room)) {
                // full while another thread sweeps: decided as a new subject and not kept (which only
                // ever allows more), so the bound holds without waiting
                unkept.incrementAndGet();
                return MultiWindow.evaluate(algorithm, windows, new long[windows.size()][], now, cost).decision();
            }
            if (sweeper != null && size >= maxKeys - room && size < maxKeys && queued.compareAndSet(false, true)) {
                sweeper.execute(() -> {
                    try {
                        sweep(now, maxKeys - 2 * room);
                    } finally {
                        queued.set(false);
                    }
                });
            }
        }
        long longest = longest(windows);
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

    /**
     * The expiry time up to which keys go so that about {@code drop} of them do (expired ones at least), read
     * off a sample: keys sit in hash order, which has nothing to do with their expiry.
     */
    private long threshold(long now, int drop) {
        int size = entries.size();
        long[] sample = new long[Math.min(SAMPLE, size)];
        int n = 0;
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext() && n < sample.length; ) {
            sample[n++] = it.next().expiresAt;
        }
        if (n == 0 || drop <= 0) {
            return now;
        }
        Arrays.sort(sample, 0, n);
        // the drop-th smallest of the sample, scaled: exactly `drop` keys when the sample is all of them
        return Math.max(now, sample[Math.max(0, Math.min(n - 1, (int) ((long) drop * n / size) - 1))]);
    }

    private static long longest(List<RateLimit> windows) {
        long longest = 0;
        for (RateLimit window : windows) {
            longest = Math.max(longest, window.windowMicros());
        }
        return longest;
    }

    /** Keys held now. */
    public int size() {
        return entries.size();
    }

    /** The most keys held (see the class comment for concurrent callers). */
    public int maxKeys() {
        return maxKeys;
    }

    /** Keys dropped before their expiry to make room, since this store was made. */
    public long dropped() {
        return dropped.get();
    }

    /**
     * New subjects decided without being kept because the store was full while another thread swept it,
     * since this store was made: more than a few means sweeps fall behind the arrival of new subjects.
     */
    public long unkept() {
        return unkept.get();
    }

    /**
     * Drops expired keys and, if that leaves more than {@code target}, the soonest to expire; false when
     * another thread is sweeping already.
     */
    private boolean sweep(long now, int target) {
        if (!sweeping.compareAndSet(false, true)) {
            return false;
        }
        try {
            long threshold = threshold(now, entries.size() - Math.max(0, target));
            long[] early = new long[1];
            entries.values().removeIf(e -> {
                if (e.expiresAt > threshold) {
                    return false;
                }
                early[0] += e.expiresAt > now ? 1 : 0;
                return true;
            });
            dropped.addAndGet(early[0]);
            return true;
        } finally {
            sweeping.set(false);
        }
    }
}
