package dev.gatehouse.server.jobs;

import dev.gatehouse.core.jobs.QuotaPlan;

import java.time.Duration;
import java.util.List;

/**
 * Where a third party's quota is kept for every node's workers at once: the pace (one call per {@link QuotaPlan#paceMicros()},
 * decided on one clock, the store's), a pause the third party asked for (a 429 or a 503 with {@code Retry-After}), and the
 * calls made in each window as it is aligned now (for reading; the pace is what keeps within the windows). Redis when
 * it is configured ({@link RedisQuotaStore}), PostgreSQL otherwise ({@link PgQuotaStore}); both pass one contract suite.
 * All calls block; a store that cannot be reached throws, and workers then make no call.
 */
public interface QuotaStore {

    /**
     * A call's turn under the quota: granted, to go {@code waitMicros} from now (the next free slot of the pace, at most
     * {@link #AHEAD_MICROS} ahead: it is the caller's, and counted), or not granted, to ask again in {@code waitMicros}
     * (a pause, or every slot that near is taken).
     */
    record Slot(boolean granted, long waitMicros) {
        static Slot go(long waitMicros) {
            return new Slot(true, Math.max(0, waitMicros));
        }

        static Slot later(long waitMicros) {
            return new Slot(false, Math.max(1, waitMicros));
        }
    }

    /**
     * How far ahead a slot may be handed out. Slots are reserved, not polled for: each is the one after the last, so a
     * caller's round trip to the store never stretches the pace (a call waits out its own slot instead), and a node keeps
     * no more than this much of the pace ahead of its calls.
     */
    long AHEAD_MICROS = 100_000;

    /** Takes the next free slot of the pace for a call to {@code upstream}. */
    Slot take(String upstream, QuotaPlan plan) throws Exception;

    /**
     * The pace as the GCRA both stores step: {@code k} calls per {@code k} intervals, {@code k} covering
     * {@link #AHEAD_MICROS} (at least 2). Each grant moves the theoretical arrival time on by one interval from where it
     * stood (or from now, after a lull), so the grants' slots are exactly one interval apart; the slot of a grant is that
     * time less one interval.
     */
    static dev.gatehouse.core.ratelimit.RateLimit slots(QuotaPlan plan) {
        long interval = plan.paceMicros();
        long k = Math.max(2, (AHEAD_MICROS + interval - 1) / interval);
        return new dev.gatehouse.core.ratelimit.RateLimit(k, java.time.Duration.ofNanos(k * interval * 1000));
    }

    /** The slot a GCRA decision over {@link #slots} stands for. */
    static Slot slot(dev.gatehouse.core.ratelimit.Decision decision, QuotaPlan plan) {
        return decision.allowed() ? Slot.go(decision.resetMicros() - plan.paceMicros()) : Slot.later(decision.retryAfterMicros());
    }

    /** Pauses calls to the upstream on every node for {@code pause} from now (a longer pause already set stays). */
    void pause(String upstream, Duration pause) throws Exception;

    /** Milliseconds left of the upstream's pause; 0 when it is not paused. */
    long pausedMillis(String upstream) throws Exception;

    /** Calls made in each of the plan's windows (in its order) as they are aligned now. */
    List<Long> used(String upstream, QuotaPlan plan) throws Exception;
}
