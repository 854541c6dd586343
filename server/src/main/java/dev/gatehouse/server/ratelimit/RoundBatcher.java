package dev.gatehouse.server.ratelimit;

import dev.gatehouse.core.ratelimit.Algorithm;
import io.vertx.core.Context;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Gathers, per event loop, the decisions requested during one I/O round, in groups that may share a
 * script call: one algorithm (script), one Cluster slot, one clock. A group is handed on when it holds
 * {@code maxBatch} decisions, else once the loop has handled every connection that was ready in the
 * round; either way in the order its decisions were requested.
 */
final class RoundBatcher {

    /** Decisions that may share a script call. */
    private record Group(Algorithm algorithm, int slot, long nowMicros) {
    }

    /** What one event loop has collected in the current I/O round; touched only by that loop's thread. */
    private static final class Round {
        final Map<Group, List<PendingDecision>> groups = new HashMap<>();
        boolean flushScheduled;
    }

    private final int maxBatch;
    private final Consumer<List<PendingDecision>> send;
    /** At most one entry per event-loop thread. */
    private final Map<Thread, Round> rounds = new ConcurrentHashMap<>();

    /** @param send given each group, on the event loop that gathered it */
    RoundBatcher(int maxBatch, Consumer<List<PendingDecision>> send) {
        this.maxBatch = maxBatch;
        this.send = send;
    }

    /** Adds a decision requested on {@code caller}, an event-loop context whose thread is the current one. */
    void add(Context caller, PendingDecision pending) {
        Round round = rounds.computeIfAbsent(Thread.currentThread(), t -> new Round());
        Group group = new Group(pending.algorithm(), ClusterSlot.of(pending.policy().tag()), pending.nowMicros());
        List<PendingDecision> members = round.groups.computeIfAbsent(group, g -> new ArrayList<>());
        members.add(pending);
        if (members.size() >= maxBatch) {
            round.groups.remove(group);
            send.accept(members);
        } else if (!round.flushScheduled) {
            // runs after the event loop has handled every connection that was ready in this round
            round.flushScheduled = true;
            caller.runOnContext(v -> flush(round));
        }
    }

    private void flush(Round round) {
        round.flushScheduled = false;
        List<List<PendingDecision>> ready = new ArrayList<>(round.groups.values());
        round.groups.clear();
        ready.forEach(send);
    }
}
