package dev.gatehouse.server.ratelimit;

import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.Decision;
import dev.gatehouse.core.ratelimit.MultiWindow;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.core.ratelimit.RateLimiterStore;
import dev.gatehouse.redis.RedisBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Rate-limit state in Redis, shared by every node: Lua scripts per algorithm decide all windows of a
 * policy atomically (EVALSHA, falling back to EVAL once if the script cache was flushed). Keys carry the
 * subject as a hash tag, so a policy's keys live in one Cluster slot.
 *
 * <p>On an event loop, the decisions requested during one I/O round are sent together: those of one
 * algorithm, one Cluster slot and one clock go in one script call (at most {@value #MAX_BATCH}), decided
 * in order and atomically, so every decision is still made by Redis and exact, with one round trip and
 * one script run for the lot instead of one each.
 *
 * <p>Consecutive requests of one subject and cost form a run, which the script decides at once: it says
 * how many of them pass and sends back the state they started from, and this node derives each passing
 * request's remaining and reset by stepping that state with the same pure algorithm the in-process store
 * uses. Redis's work and its reply so stay the same size however hot the key (the sliding log, whose
 * state is its entries, is answered request by request).
 */
public final class RedisRateLimiterStore implements RateLimiterStore {
    private static final Logger log = LoggerFactory.getLogger(RedisRateLimiterStore.class);

    /** The most decisions one script call carries. */
    static final int MAX_BATCH = 64;

    private record Script(String source, String sha) {
    }

    /** A decision waiting for its batch to be sent. */
    private record Pending(Policy policy, Algorithm algorithm, long cost, long nowMicros, Promise<Decision> promise) {
    }

    /**
     * What a lease call got: how many of the requests asked for Redis let pass (in order, like a run), the
     * decision after the last of them (or the refusal when none passed), and for fixed windows the µs
     * from Redis's clock to the first boundary of any of the policy's windows (past which a request
     * counted now belongs to a window that has not counted it); {@link Long#MAX_VALUE} for the others.
     */
    public record Taken(int granted, Decision decision, long boundaryMicros) {
    }

    /** Decisions that may share a script call: one algorithm (script), one Cluster slot, one clock. */
    private record Group(Algorithm algorithm, int slot, long nowMicros) {
    }

    /** A subject's windows: what the script is told once per call, however many of its requests the call holds. */
    private record Policy(String tag, List<RateLimit> windows) {
    }

    /** What one event loop has collected in the current I/O round; touched only by that loop's thread. */
    private static final class Round {
        final Map<Group, List<Pending>> groups = new HashMap<>();
        boolean flushScheduled;
    }

    private final Redis redis;
    private final String prefix;
    private final long timeoutMillis;
    private final Map<Algorithm, Script> scripts = new EnumMap<>(Algorithm.class);
    private final Map<Thread, Future<RedisConnection>> connections = new ConcurrentHashMap<>();
    private final Map<Thread, Round> rounds = new ConcurrentHashMap<>();
    private final AtomicBoolean divergenceLogged = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final RedisBreaker breaker;
    private final Counter calls;
    private final DistributionSummary batches;

    /**
     * @param prefix put before every key, e.g. {@code gh:rl:}
     * @param timeout the longest a script call may take; past it, every decision it carries fails with a
     *                {@link java.util.concurrent.TimeoutException} (one timer per call, not per decision)
     * @param breaker consulted before each script call and told how each went: a call, however many
     *                decisions it carries, is one outcome; while it is open, calls fail at once with
     *                {@link Degraded}
     * @param meters where the calls, their sizes and those in flight are counted
     */
    public RedisRateLimiterStore(Redis redis, String prefix, Duration timeout, RedisBreaker breaker, MeterRegistry meters) {
        this.redis = redis;
        this.breaker = breaker;
        this.prefix = prefix;
        this.timeoutMillis = timeout.toMillis();
        this.calls = Counter.builder("gatehouse.ratelimit.redis.calls")
                .description("Rate-limit script calls sent to Redis (each decides a batch)").register(meters);
        this.batches = DistributionSummary.builder("gatehouse.ratelimit.redis.batch")
                .description("Decisions carried by one rate-limit script call (at most " + MAX_BATCH + ")").register(meters);
        Gauge.builder("gatehouse.ratelimit.redis.in.flight", inFlight, AtomicInteger::get)
                .description("Rate-limit script calls sent and not yet answered (each bounded by redis.timeout)").register(meters);
        String common = resource("common.lua");
        String batch = resource("batch.lua");
        for (Algorithm algorithm : Algorithm.values()) {
            String decide = common.replace("-- STEP --", resource(algorithm.configName() + ".lua"));
            scripts.put(algorithm, script(decide + "\n" + batch));
        }
    }

    private static Script script(String source) {
        return new Script(source, sha1(source));
    }

    @Override
    public CompletionStage<Decision> acquire(String key, Algorithm algorithm, List<RateLimit> windows, long cost, long nowMicros) {
        return decide(key, algorithm, windows, cost, nowMicros).toCompletionStage();
    }

    /** The same as {@link #acquire} as a Vert.x future, for callers on an event loop. */
    public Future<Decision> decide(String key, Algorithm algorithm, List<RateLimit> windows, long cost, long nowMicros) {
        if (windows.isEmpty()) {
            return Future.failedFuture(new IllegalArgumentException("a rate-limit policy needs at least one window"));
        }
        if (cost < 1) {
            return Future.failedFuture(new IllegalArgumentException("cost must be at least 1, got " + cost));
        }
        String tag = tag(key);
        Context context = Vertx.currentContext();
        if (context == null || !context.isEventLoopContext()) {
            Pending alone = new Pending(new Policy(tag, windows), algorithm, cost, nowMicros, Promise.promise());
            send(List.of(alone));
            return alone.promise().future();
        }
        Round round = rounds.computeIfAbsent(Thread.currentThread(), t -> new Round());
        // bound to the caller's context: whatever completes it (a reply, a timeout), the caller continues on its own thread
        Pending pending = new Pending(new Policy(tag, windows), algorithm, cost, nowMicros, ((ContextInternal) context).promise());
        Group group = new Group(algorithm, slot(tag), nowMicros);
        List<Pending> members = round.groups.computeIfAbsent(group, g -> new ArrayList<>());
        members.add(pending);
        if (members.size() >= MAX_BATCH) {
            round.groups.remove(group);
            send(members);
        } else if (!round.flushScheduled) {
            // runs after the event loop has handled every connection that was ready in this round
            round.flushScheduled = true;
            context.runOnContext(v -> flush(round));
        }
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
        Pending pending = new Pending(new Policy(tag(key), windows), algorithm, cost, nowMicros, null);
        Batch batch = new Batch(List.of(pending), requests);
        return call(batch, 0, batch::taken);
    }

    private static String tag(String key) {
        return "{" + key.replace('{', '(').replace('}', ')') + "}";
    }

    private void flush(Round round) {
        round.flushScheduled = false;
        List<List<Pending>> ready = new ArrayList<>(round.groups.values());
        round.groups.clear();
        ready.forEach(this::send);
    }

    private void send(List<Pending> members) {
        Batch batch = new Batch(members);
        call(batch, members.size(), batch::decisions).onComplete(result -> {
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
     * One script call for {@code batch}, read by {@code read}: refused at once while the breaker is open,
     * bounded by the timeout, counted, and told to the breaker as one outcome however many decisions it carries.
     *
     * @param decisions recorded as the call's batch size when above 0
     */
    private <T> Future<T> call(Batch batch, int decisions, Function<Response, T> reader) {
        if (!breaker.tryAcquire()) {
            return Future.failedFuture(DEGRADED);
        }
        Script script = scripts.get(batch.algorithm);
        calls.increment();
        if (decisions > 0) {
            batches.record(decisions);
        }
        inFlight.incrementAndGet();
        long started = System.nanoTime();
        return sendWithReload(batch.request(Command.EVALSHA, script.sha()), () -> batch.request(Command.EVAL, script.source()))
                .transform(result -> {
                    inFlight.decrementAndGet();
                    if (result.failed()) {
                        breaker.failed(started, result.cause());
                        return Future.failedFuture(result.cause());
                    }
                    T read;
                    try {
                        read = reader.apply(result.result());
                    } catch (RuntimeException e) {
                        IllegalStateException error = new IllegalStateException("unexpected reply from the rate-limit script: " + e.getMessage(), e);
                        breaker.failed(started, error);
                        return Future.failedFuture(error);
                    }
                    breaker.succeeded(started);
                    return Future.succeededFuture(read);
                });
    }

    /** Redis is not asked while the breaker is open: the decision fails at once. Stackless: an outcome, not a bug. */
    public static final class Degraded extends RuntimeException {
        Degraded() {
            super("Redis rate limiting is degraded", null, false, false);
        }
    }

    private static final Degraded DEGRADED = new Degraded();

    /** Sends an EVALSHA; when Redis has lost the script (a flush or a restart), sends the EVAL form once. */
    private Future<Response> sendWithReload(Request evalsha, java.util.function.Supplier<Request> eval) {
        return send(evalsha).recover(error -> error.getMessage() != null && error.getMessage().startsWith("NOSCRIPT")
                ? send(eval.get()) : Future.failedFuture(error)).timeout(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * On an event loop, requests are pipelined over one connection held for that event-loop thread (no
     * pool check-out per call). Keyed by thread, not context: Vert.x gives every HTTP request a context
     * of its own. Elsewhere (tests, tools) the pool is used.
     */
    private Future<Response> send(Request request) {
        Context context = Vertx.currentContext();
        if (context == null || !context.isEventLoopContext()) {
            return redis.send(request);
        }
        Thread loop = Thread.currentThread();
        Future<RedisConnection> connection = connections.get(loop);
        if (connection == null) {
            connection = redis.connect();
            connections.put(loop, connection);
            connection.onSuccess(c -> {
                c.exceptionHandler(error -> forget(loop, c));
                c.endHandler(end -> forget(loop, c));
            }).onFailure(error -> connections.remove(loop));
        }
        return connection.compose(c -> c.pendingQueueFull() ? redis.send(request) : c.send(request));
    }

    private void forget(Thread loop, RedisConnection connection) {
        Future<RedisConnection> current = connections.get(loop);
        if (current != null && current.succeeded() && current.result() == connection) {
            connections.remove(loop);
            connection.close();
        }
    }

    /** Consecutive requests of one policy and cost: the script decides them together. */
    private record Run(Policy policy, int policyIndex, long cost, int first, int count) {
    }

    /**
     * One script call: each distinct policy (subject and windows) once, then the requests in order as runs
     * of one policy and cost, so a hot key's requests cost a few arguments in all; and the reading of its
     * reply (batch.lua describes both).
     */
    private final class Batch {
        private final List<Pending> members;
        private final Algorithm algorithm;
        private final List<Policy> policies = new ArrayList<>();
        private final List<Run> runs = new ArrayList<>();
        private int keyCount;

        Batch(List<Pending> members) {
            this(members, 1);
        }

        /** @param each how many requests each member stands for: 1, or a lease's size when it is the only member */
        Batch(List<Pending> members, int each) {
            this.members = members;
            this.algorithm = members.get(0).algorithm();
            Map<Policy, Integer> index = new HashMap<>();
            Run run = null;
            for (int i = 0; i < members.size(); i++) {
                Pending p = members.get(i);
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

        /** A lease call's reply (one member, one run): how many passed, and the decision after the last of them. */
        Taken taken(Response reply) {
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
                return new Taken(granted, last, boundary);
            }
            List<RateLimit> windows = run.policy().windows();
            long[][] states = new long[windows.size()][];
            at = readStates(reply, at, states);
            int allowed = reply.get(at++).toInteger();
            if (allowed == 0) {
                return new Taken(0, decision(reply, at), boundary);
            }
            // the same pure steps Redis took, for the state after the last request it let pass
            Decision last = null;
            for (int j = 0; j < allowed; j++) {
                MultiWindow.Evaluation step = MultiWindow.evaluate(algorithm, windows, states, now, run.cost());
                last = step.decision().allowed() ? step.decision() : Decision.allow(step.decision().limit(), 0, step.decision().resetMicros());
                states = step.states();
            }
            return new Taken(allowed, last, boundary);
        }

        /** Every member's decision, in order, from the script's reply. */
        Decision[] decisions(Response reply) {
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
                        divergence(algorithm, run, j, allowed);
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
    }

    /** Once per store: a second opinion that differs from Redis's is a bug, not a load to log at. */
    private void divergence(Algorithm algorithm, Run run, int request, int allowed) {
        if (divergenceLogged.compareAndSet(false, true)) {
            log.warn("the in-process {} step refused request {} of a run Redis allowed {} of (windows {}); "
                    + "its headers say 0 remaining (logged once)", algorithm, request + 1, allowed, run.policy().windows());
        }
    }

    /** Four numbers from {@code at}: limit, remaining, reset and retry-after µs, which is 0 exactly when allowed. */
    private static Decision decision(Response r, int at) {
        long limit = r.get(at).toLong();
        long remaining = r.get(at + 1).toLong();
        long reset = r.get(at + 2).toLong();
        long retry = r.get(at + 3).toLong();
        return retry == 0 ? Decision.allow(limit, remaining, reset) : Decision.reject(limit, remaining, reset, retry);
    }

    /** The Redis Cluster slot of a hash tag {@code {...}}: CRC16-XMODEM of what is inside, mod 16384. */
    static int slot(String tag) {
        int crc = 0;
        for (byte b : tag.substring(1, tag.length() - 1).getBytes(StandardCharsets.UTF_8)) {
            crc = ((crc << 8) ^ CRC16[((crc >>> 8) ^ b) & 0xff]) & 0xffff;
        }
        return crc & 0x3fff;
    }

    /** CRC16-XMODEM of each byte value, so a slot costs a table look-up per byte instead of eight shifts. */
    private static final int[] CRC16 = new int[256];

    static {
        for (int b = 0; b < 256; b++) {
            int crc = b << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            CRC16[b] = crc & 0xffff;
        }
    }

    private static String resource(String name) {
        try (InputStream in = RedisRateLimiterStore.class.getResourceAsStream("/ratelimit/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing rate-limit script /ratelimit/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String source) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
