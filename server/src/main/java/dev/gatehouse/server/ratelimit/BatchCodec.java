package dev.gatehouse.server.ratelimit;

import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.Decision;
import dev.gatehouse.core.ratelimit.MultiWindow;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.server.ratelimit.PendingDecision.Policy;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The wire format of one script call (batch.lua describes both ends): each distinct policy (subject and
 * windows) once, then the requests in order as runs of one policy and cost, so a hot key's requests cost
 * a few arguments in all; and the reading of its reply, where each passing request's remaining and reset
 * come from stepping the state Redis sent back with the same pure algorithm the in-process store uses.
 */
final class BatchCodec {
    /** Under the store's name: what an operator configures and reads. */
    private static final Logger log = LoggerFactory.getLogger(RedisRateLimiterStore.class);

    /** Consecutive requests of one policy and cost: the script decides them together. */
    private record Run(Policy policy, int policyIndex, long cost, int first, int count) {
    }

    /** Logs, once per store, a step in process that refuses what Redis let pass: a bug to see, not a load to log at. */
    static final class Divergence {
        private final AtomicBoolean logged = new AtomicBoolean();

        void report(Algorithm algorithm, List<RateLimit> windows, int request, int allowed) {
            if (logged.compareAndSet(false, true)) {
                log.warn("the in-process {} step refused request {} of a run Redis allowed {} of (windows {}); "
                        + "its headers say 0 remaining (logged once)", algorithm, request + 1, allowed, windows);
            }
        }
    }

    private final String prefix;
    private final List<PendingDecision> members;
    private final Algorithm algorithm;
    private final List<Policy> policies = new ArrayList<>();
    private final List<Run> runs = new ArrayList<>();
    private int keyCount;

    /**
     * @param prefix put before every key
     * @param members decisions of one algorithm, one Cluster slot and one clock, in order
     * @param each how many requests each member stands for: 1, or a lease's size when it is the only member
     */
    BatchCodec(String prefix, List<PendingDecision> members, int each) {
        this.prefix = prefix;
        this.members = members;
        this.algorithm = members.get(0).algorithm();
        Map<Policy, Integer> index = new HashMap<>();
        Run run = null;
        for (int i = 0; i < members.size(); i++) {
            PendingDecision p = members.get(i);
            Integer at = index.get(p.policy());
            if (at == null) {
                at = policies.size() + 1;
                index.put(p.policy(), at);
                policies.add(p.policy());
                keyCount += p.policy().windows().size();
            }
            if (run != null && run.policyIndex() == at && run.cost() == p.cost()) {
                run = new Run(run.policy(), at, run.cost(), run.first(), run.count() + each);
                runs.set(runs.size() - 1, run);
            } else {
                run = new Run(p.policy(), at, p.cost(), i, each);
                runs.add(run);
            }
        }
    }

    Algorithm algorithm() {
        return algorithm;
    }

    /** The call as {@code command} (EVALSHA or EVAL) naming the script by {@code script} (its SHA or its source). */
    Request request(Command command, String script) {
        Request request = Request.cmd(command).arg(script).arg(keyCount);
        String name = algorithm.configName();
        for (Policy p : policies) {
            String base = prefix + p.tag() + ":" + name + ":";
            for (RateLimit window : p.windows()) {
                request.arg(base + window.limit() + ":" + window.windowMicros());
            }
        }
        request.arg(members.get(0).nowMicros()).arg(policies.size());
        for (Policy p : policies) {
            request.arg(p.windows().size());
            for (RateLimit window : p.windows()) {
                request.arg(window.limit()).arg(window.windowMicros());
            }
        }
        request.arg(runs.size());
        for (Run r : runs) {
            request.arg(r.policyIndex()).arg(r.cost()).arg(r.count());
        }
        return request;
    }

    /** A lease call's reply (one member, one run): how many passed, and the decision after the last of them. */
    RedisRateLimiterStore.Taken taken(Response reply) {
        Run run = runs.get(0);
        long now = reply.get(0).toLong();
        long boundary = Long.MAX_VALUE;
        if (algorithm == Algorithm.FIXED_WINDOW) {
            // fixed windows are aligned to multiples of their length (fixed-window.lua)
            for (RateLimit window : run.policy().windows()) {
                boundary = Math.min(boundary, window.windowMicros() - now % window.windowMicros());
            }
        }
        int at = 1;
        if (algorithm == Algorithm.SLIDING_LOG) {
            int granted = 0;
            Decision last = null;
            for (int j = 0; j < run.count(); j++, at += 4) {
                Decision d = decision(reply, at);
                if (d.allowed()) {
                    granted++;
                    last = d;
                } else if (last == null) {
                    last = d;
                }
            }
            return new RedisRateLimiterStore.Taken(granted, last, boundary);
        }
        List<RateLimit> windows = run.policy().windows();
        long[][] states = new long[windows.size()][];
        at = readStates(reply, at, states);
        int allowed = reply.get(at++).toInteger();
        if (allowed == 0) {
            return new RedisRateLimiterStore.Taken(0, decision(reply, at), boundary);
        }
        // the same pure steps Redis took, for the state after the last request it let pass
        Decision last = null;
        for (int j = 0; j < allowed; j++) {
            MultiWindow.Evaluation step = MultiWindow.evaluate(algorithm, windows, states, now, run.cost());
            last = step.decision().allowed() ? step.decision() : Decision.allow(step.decision().limit(), 0, step.decision().resetMicros());
            states = step.states();
        }
        return new RedisRateLimiterStore.Taken(allowed, last, boundary);
    }

    /** Every member's decision, in order, from the script's reply. */
    Decision[] decisions(Response reply, Divergence divergence) {
        Decision[] decisions = new Decision[members.size()];
        long now = reply.get(0).toLong();
        int at = 1;
        for (Run run : runs) {
            if (algorithm == Algorithm.SLIDING_LOG) {
                for (int j = 0; j < run.count(); j++, at += 4) {
                    decisions[run.first() + j] = decision(reply, at);
                }
                continue;
            }
            List<RateLimit> windows = run.policy().windows();
            long[][] states = new long[windows.size()][];
            at = readStates(reply, at, states);
            int allowed = reply.get(at++).toInteger();
            // Redis decided how many pass; each one's remaining and reset come from the same pure step
            // over the same state and clock, as the in-process store would compute them
            for (int j = 0; j < allowed; j++) {
                MultiWindow.Evaluation step = MultiWindow.evaluate(algorithm, windows, states, now, run.cost());
                Decision d = step.decision();
                if (!d.allowed()) {
                    // Redis is the authority on what passes; a step that disagrees is a bug to see
                    divergence.report(algorithm, windows, j, allowed);
                    d = Decision.allow(d.limit(), 0, d.resetMicros());
                }
                decisions[run.first() + j] = d;
                states = step.states();
            }
            if (allowed < run.count()) {
                Decision refused = decision(reply, at);
                at += 4;
                for (int j = allowed; j < run.count(); j++) {
                    decisions[run.first() + j] = refused;
                }
            }
        }
        return decisions;
    }

    /** Reads a run's window states (per window its field count, then the fields) from {@code at}; where it ends. */
    private static int readStates(Response reply, int at, long[][] states) {
        for (int w = 0; w < states.length; w++) {
            int fields = reply.get(at++).toInteger();
            states[w] = new long[fields];
            for (int f = 0; f < fields; f++) {
                states[w][f] = reply.get(at++).toLong();
            }
        }
        return at;
    }

    /** Four numbers from {@code at}: limit, remaining, reset and retry-after µs, which is 0 exactly when allowed. */
    private static Decision decision(Response r, int at) {
        long limit = r.get(at).toLong();
        long remaining = r.get(at + 1).toLong();
        long reset = r.get(at + 2).toLong();
        long retry = r.get(at + 3).toLong();
        return retry == 0 ? Decision.allow(limit, remaining, reset) : Decision.reject(limit, remaining, reset, retry);
    }
}
