package dev.gatehouse.server.upstream;

import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The upstream connections one event loop may use per target ({@code maxConnectionsPerTarget}), and the
 * requests waiting for one. The gateway admits a request to a target only while it holds fewer exchanges
 * with it than the limit, so the HTTP client's own pool never queues: a connection that is slow to come is
 * then the target's fault, and time spent waiting here is the gateway's own congestion, shed on its own
 * metric without touching the target's health or breaker.
 *
 * <p>Touched only by its event loop's thread. A target's line lives while it has exchanges or waiters, so
 * the map holds at most the targets in use on this loop.
 */
final class ConnectionSlots {

    /** A request waiting for a slot: granted one by {@link #release}, or cancelled by its timeout or its client. */
    final class Waiter {
        private final Line line;
        private final Runnable granted;
        private boolean settled;

        private Waiter(Line line, Runnable granted) {
            this.line = line;
            this.granted = granted;
        }

        /** Leaves the queue (a timeout, a client gone); false if a slot was already granted. */
        boolean cancel() {
            if (settled) {
                return false;
            }
            settled = true;
            line.waiting--;
            waitingGauge.decrementAndGet();
            if (line.leased <= 0 && line.waiting == 0) {
                lines.remove(line.target);
            }
            return true;
        }
    }

    private static final class Line {
        final UpstreamTarget target;
        int leased;
        int waiting;
        final ArrayDeque<Waiter> queue = new ArrayDeque<>();

        Line(UpstreamTarget target) {
            this.target = target;
        }
    }

    private final Map<UpstreamTarget, Line> lines = new IdentityHashMap<>();
    private final AtomicInteger waitingGauge;

    /** @param waitingGauge requests waiting for a connection, summed over every event loop of the node */
    ConnectionSlots(AtomicInteger waitingGauge) {
        this.waitingGauge = waitingGauge;
    }

    /** Whether the target has a free slot on this loop (for choosing among targets). */
    boolean hasFree(UpstreamTarget target, int max) {
        Line line = lines.get(target);
        return line == null || line.leased < max && line.waiting == 0;
    }

    /** Takes a slot if one is free once the requests already waiting for it have theirs. */
    boolean tryAcquire(UpstreamTarget target, int max) {
        Line line = lines.computeIfAbsent(target, Line::new);
        // a reload may have raised the limit: slots that appeared go to the waiters first
        while (line.leased < max && line.waiting > 0) {
            line.leased++;
            if (!grantNext(line)) {
                line.leased--;
                break;
            }
        }
        if (line.leased < max) {
            line.leased++;
            return true;
        }
        return false;
    }

    /**
     * Queues for the target's next free slot; {@code granted} runs on this loop when one is handed over.
     * Returns null when {@code maxWaiting} requests already wait (the caller sheds the request).
     */
    Waiter enqueue(UpstreamTarget target, int maxWaiting, Runnable granted) {
        Line line = lines.computeIfAbsent(target, Line::new);
        if (line.waiting >= maxWaiting) {
            return null;
        }
        Waiter waiter = new Waiter(line, granted);
        line.queue.add(waiter);
        line.waiting++;
        waitingGauge.incrementAndGet();
        if (line.queue.size() > 2 * maxWaiting + 16) {
            // cancelled waiters leave the queue lazily; past this many, sweep them out at once
            line.queue.removeIf(w -> w.settled);
        }
        return waiter;
    }

    /** An exchange with the target is over: its slot goes to the first live waiter, else back to the pool. */
    void release(UpstreamTarget target, int max) {
        Line line = lines.get(target);
        if (line == null) {
            return;
        }
        if (line.leased <= max && grantNext(line)) {
            return;
        }
        line.leased--;
        if (line.leased <= 0 && line.waiting == 0) {
            lines.remove(target);
        }
    }

    /** Hands a held slot to the first waiter still waiting; false when there is none. */
    private boolean grantNext(Line line) {
        Waiter next;
        while ((next = line.queue.poll()) != null) {
            if (!next.settled) {
                next.settled = true;
                line.waiting--;
                waitingGauge.decrementAndGet();
                next.granted.run();
                return true;
            }
        }
        return false;
    }

    /** Exchanges under way with the target on this loop. */
    int leased(UpstreamTarget target) {
        Line line = lines.get(target);
        return line == null ? 0 : line.leased;
    }
}
