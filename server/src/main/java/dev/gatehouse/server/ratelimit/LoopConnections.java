package dev.gatehouse.server.ratelimit;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How the store's requests reach Redis. On an event loop, they are pipelined over one connection held
 * for that event-loop thread (no pool check-out per call); keyed by thread, not context, since Vert.x
 * gives every HTTP request a context of its own. A connection that fails or closes is dropped and the
 * next request opens another; while its pending queue is full, requests take the pool. Elsewhere
 * (tests, tools) the pool is used.
 */
final class LoopConnections {
    private final Redis redis;
    /** At most one entry per event-loop thread. */
    private final Map<Thread, Future<RedisConnection>> connections = new ConcurrentHashMap<>();

    /** @param redis the node's client (its pool), owned and closed by the node */
    LoopConnections(Redis redis) {
        this.redis = redis;
    }

    Future<Response> send(Request request) {
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
}
