package dev.gatehouse.server.jobs;

import dev.gatehouse.core.jobs.QuotaPlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Hands one queue's workers on this node their turns to call the third party. One worker at a time asks the shared
 * {@link QuotaStore} for a slot (the next one free, at most a tenth of a second ahead); once it has one, the next worker
 * asks while it waits for its slot to come. A node so asks the store about as often as it calls, however many workers it
 * runs, and its round trips to the store do not stretch the pace. Without a quota, a turn only waits out a pause.
 */
final class Pacer {
    private static final Logger log = LoggerFactory.getLogger(Pacer.class);
    /** The longest one wait lasts before the store is asked again (a pause may be cut short by an operator). */
    private static final long MAX_WAIT_MICROS = TimeUnit.SECONDS.toMicros(1);

    private final QuotaStore store;
    private final String upstream;
    private final QuotaPlan plan;
    private final ReentrantLock turn = new ReentrantLock(true);
    private volatile boolean storeFailing;

    /** @param plan the upstream's quota, or null when it has none (then only pauses hold calls) */
    Pacer(QuotaStore store, String upstream, QuotaPlan plan) {
        this.store = store;
        this.upstream = upstream;
        this.plan = plan;
    }

    QuotaPlan plan() {
        return plan;
    }

    /**
     * Blocks until this worker's call may go (it is then counted against the quota); false when {@code stopping} says so
     * first. While the store cannot be asked, no call goes: the quota cannot be known.
     */
    boolean permit(BooleanSupplier stopping) throws InterruptedException {
        long slot = -1;
        turn.lockInterruptibly();
        try {
            while (!stopping.getAsBoolean() && slot < 0) {
                QuotaStore.Slot answer;
                try {
                    answer = plan == null ? unpaced() : store.take(upstream, plan);
                    if (storeFailing) {
                        storeFailing = false;
                        log.info("the quota of upstream {} can be read again; its jobs' calls resume", upstream);
                    }
                } catch (Exception e) {
                    if (!storeFailing) {
                        storeFailing = true;
                        log.warn("the quota of upstream {} cannot be read ({}); no job calls it until it can", upstream, e.getMessage());
                    }
                    answer = QuotaStore.Slot.later(MAX_WAIT_MICROS);
                }
                if (answer.granted()) {
                    slot = answer.waitMicros();
                } else {
                    park(Math.min(answer.waitMicros(), MAX_WAIT_MICROS));
                }
            }
        } finally {
            turn.unlock(); // the next worker may take the slot after this one while this one waits for its own
        }
        if (slot < 0) {
            return false;
        }
        park(slot);
        return true;
    }

    /** Without a quota only a pause holds a call. */
    private QuotaStore.Slot unpaced() throws Exception {
        long paused = store.pausedMillis(upstream);
        return paused > 0 ? QuotaStore.Slot.later(paused * 1000) : QuotaStore.Slot.go(0);
    }

    private static void park(long micros) throws InterruptedException {
        if (micros > 0) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(micros));
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }
}
