package dev.gatehouse.server.ratelimit;

import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.Decision;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.core.ratelimit.RateLimiterStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rate-limit state in Redis, shared by every node: one Lua script per algorithm decides all windows of
 * a policy atomically in one round trip (EVALSHA, falling back to EVAL once if the script cache was
 * flushed). Keys carry the subject as a hash tag, so a policy's keys live in one Cluster slot.
 */
public final class RedisRateLimiterStore implements RateLimiterStore {

    private record Script(String source, String sha) {
    }

    private final Redis redis;
    private final String prefix;
    private final Map<Algorithm, Script> scripts = new EnumMap<>(Algorithm.class);
    private final Map<Thread, Future<RedisConnection>> connections = new ConcurrentHashMap<>();

    /** @param prefix put before every key, e.g. {@code gh:rl:} */
    public RedisRateLimiterStore(Redis redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix;
        String common = resource("common.lua");
        for (Algorithm algorithm : Algorithm.values()) {
            String source = common.replace("-- STEP --", resource(algorithm.configName() + ".lua"));
            scripts.put(algorithm, new Script(source, sha1(source)));
        }
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
        Script script = scripts.get(algorithm);
        String tag = "{" + key.replace('{', '(').replace('}', ')') + "}";
        return send(call(Command.EVALSHA, script.sha(), tag, algorithm, windows, cost, nowMicros))
                .recover(error -> error.getMessage() != null && error.getMessage().startsWith("NOSCRIPT")
                        ? send(call(Command.EVAL, script.source(), tag, algorithm, windows, cost, nowMicros))
                        : Future.failedFuture(error))
                .map(RedisRateLimiterStore::decision);
    }

    /**
     * On an event loop, decisions are pipelined over one connection held for that event-loop thread (no
     * pool check-out per call; concurrent decisions share writes). Keyed by thread, not context: Vert.x
     * gives every HTTP request a context of its own. Elsewhere (tests, tools) the pool is used.
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

    private Request call(Command command, String script, String tag, Algorithm algorithm, List<RateLimit> windows,
                         long cost, long nowMicros) {
        Request request = Request.cmd(command).arg(script).arg(windows.size());
        for (RateLimit window : windows) {
            request.arg(prefix + tag + ":" + algorithm.configName() + ":" + window.limit() + ":" + window.windowMicros());
        }
        request.arg(nowMicros).arg(cost);
        for (RateLimit window : windows) {
            request.arg(window.limit()).arg(window.windowMicros());
        }
        return request;
    }

    private static Decision decision(Response r) {
        long limit = r.get(1).toLong();
        long remaining = r.get(2).toLong();
        long reset = r.get(3).toLong();
        return r.get(0).toLong() == 1
                ? Decision.allow(limit, remaining, reset)
                : Decision.reject(limit, remaining, reset, r.get(4).toLong());
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
