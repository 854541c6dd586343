package dev.gatehouse.server.ratelimit;

import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.Decision;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.core.ratelimit.RateLimiterStore;
import dev.gatehouse.redis.RedisBreaker;
import dev.gatehouse.redis.RedisGuard;
import dev.gatehouse.server.ratelimit.PendingDecision.Policy;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Response;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Rate-limit state in Redis, shared by every node: Lua scripts per algorithm decide all windows of a
 * policy atomically ({@link LimiterScripts}). Keys carry the subject as a hash tag, so a policy's keys
 * live in one Cluster slot ({@link ClusterSlot}).
 *
 * <p>On an event loop, the decisions requested during one I/O round are sent together
 * ({@link RoundBatcher}): those of one algorithm, one Cluster slot and one clock go in one script call
 * (at most {@value #MAX_BATCH}), decided in order and atomically, so every decision is still made by
 * Redis and exact, with one round trip and one script run for the lot instead of one each.
 *
 * <p>Consecutive requests of one subject and cost form a run, which the script decides at once: it says
 * how many of them pass and sends back the state they started from, and this node derives each passing
 * request's remaining and reset by stepping that state with the same pure algorithm the in-process store
 * uses ({@link BatchCodec}). Redis's work and its reply so stay the same size however hot the key (the
 * sliding log, whose state is its entries, is answered request by request).
 */
public final class RedisRateLimiterStore implements RateLimiterStore {

    /** The most decisions one script call carries. */
    static final int MAX_BATCH = 64;

    /**
     * What a lease call got: how many of the requests asked for Redis let pass (in order, like a run), the
     * decision after the last of them (or the refusal when none passed), and for fixed windows the µs
     * from Redis's clock to the first boundary of any of the policy's windows (past which a request
     * counted now belongs to a window that has not counted it); {@link Long#MAX_VALUE} for the others.
     */
    public record Taken(int granted, Decision decision, long boundaryMicros) {
    }

    /** Redis is not asked while the breaker is open: the decision fails at once. Stackless: an outcome, not a bug. */
    public static final class Degraded extends RuntimeException {
        Degraded() {
            super("Redis rate limiting is degraded", null, false, false);
        }
    }

    private static final Degraded DEGRADED = new Degraded();

    private final String prefix;
    private final RedisGuard guard;
    private final LimiterScripts scripts;
    private final RoundBatcher batcher = new RoundBatcher(MAX_BATCH, this::send);
    private final LimiterMeters meters;
    private final BatchCodec.Divergence divergence = new BatchCodec.Divergence();

    /**
     * @param redis the node's client, owned and closed by the node
     * @param prefix put before every key, e.g. {@code gh:rl:}
     * @param timeout the longest a script call may take; past it, every decision it carries fails with a
     *                {@link java.util.concurrent.TimeoutException} (one timer per call, not per decision)
     * @param breaker consulted before each script call and told how each went: a call, however many
     *                decisions it carries, is one outcome; while it is open, calls fail at once with
     *                {@link Degraded}
     * @param meters where the calls, their sizes and those in flight are counted
     */
    public RedisRateLimiterStore(Redis redis, String prefix, Duration timeout, RedisBreaker breaker, MeterRegistry meters) {
        this.prefix = prefix;
        this.guard = new RedisGuard(breaker, timeout);
        this.scripts = new LimiterScripts(new LoopConnections(redis)::send);
        this.meters = new LimiterMeters(meters, guard, MAX_BATCH);
    }

    @Override
    public CompletionStage<Decision> acquire(String key, Algorithm algorithm, List<RateLimit> windows, long cost, long nowMicros) {
        return decide(key, algorithm, windows, cost, nowMicros).toCompletionStage();
    }

    /** The same as {@link #acquire} as a Vert.x future, for callers on an event loop (it completes on the caller's context). */
    public Future<Decision> decide(String key, Algorithm algorithm, List<RateLimit> windows, long cost, long nowMicros) {
        if (windows.isEmpty()) {
            return Future.failedFuture(new IllegalArgumentException("a rate-limit policy needs at least one window"));
        }
        if (cost < 1) {
            return Future.failedFuture(new IllegalArgumentException("cost must be at least 1, got " + cost));
        }
        Policy policy = new Policy(ClusterSlot.tag(key), windows);
        Context context = Vertx.currentContext();
        if (context == null || !context.isEventLoopContext()) {
            PendingDecision alone = new PendingDecision(policy, algorithm, cost, nowMicros, Promise.promise());
            send(List.of(alone));
            return alone.promise().future();
        }
        // bound to the caller's context: whatever completes it (a reply, a timeout), the caller continues on its own thread
        PendingDecision pending = new PendingDecision(policy, algorithm, cost, nowMicros, CallerContext.promise(context));
        batcher.add(context, pending);
        return pending.promise().future();
    }

    /**
     * Takes up to {@code requests} requests of {@code cost} for a subject at once, decided by Redis in order
     * as one run in a script call of its own (a lease is rare next to the requests it serves, so it is
     * not batched). Fails like {@link #decide} when Redis cannot decide.
     */
    public Future<Taken> take(String key, Algorithm algorithm, List<RateLimit> windows, long cost, int requests, long nowMicros) {
        if (windows.isEmpty() || cost < 1 || requests < 1) {
            return Future.failedFuture(new IllegalArgumentException("a lease needs windows, a cost and a size of at least 1"));
        }
        PendingDecision pending = new PendingDecision(new Policy(ClusterSlot.tag(key), windows), algorithm, cost, nowMicros, null);
        BatchCodec batch = new BatchCodec(prefix, List.of(pending), requests);
        return call(batch, 0, batch::taken);
    }

    /** One script call for decisions of one algorithm, slot and clock; completes each one's promise. */
    private void send(List<PendingDecision> members) {
        BatchCodec batch = new BatchCodec(prefix, members, 1);
        call(batch, members.size(), reply -> batch.decisions(reply, divergence)).onComplete(result -> {
            if (result.failed()) {
                members.forEach(p -> p.promise().fail(result.cause()));
                return;
            }
            Decision[] decisions = result.result();
            for (int i = 0; i < decisions.length; i++) {
                members.get(i).promise().complete(decisions[i]);
            }
        });
    }

    /**
     * One script call for {@code batch}, read by {@code reader}: refused at once with {@link Degraded} while
     * the breaker is open, bounded by the timeout, counted, and told to the breaker as one outcome however
     * many decisions it carries (a reply that cannot be read is a failure too).
     *
     * @param decisions recorded as the call's batch size when above 0
     */
    private <T> Future<T> call(BatchCodec batch, int decisions, Function<Response, T> reader) {
        return guard.call(() -> {
            meters.sent(decisions);
            return scripts.run(batch.algorithm(), batch::request);
        }, reply -> {
            try {
                return reader.apply(reply);
            } catch (RuntimeException e) {
                throw new IllegalStateException("unexpected reply from the rate-limit script: " + e.getMessage(), e);
            }
        }, () -> Future.failedFuture(DEGRADED));
    }
}
