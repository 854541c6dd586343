package dev.gatehouse.server.cache;

import dev.gatehouse.core.config.RedisConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-node cache invalidation over Redis pub/sub: every purge, clear and write-triggered invalidation
 * on one node is published, and every other node drops the same entries from its in-process cache
 * (typically within milliseconds). Without Redis, invalidations stay on the node that made them.
 * The subscription reconnects by itself; while it is down, entries still expire with {@code cache.l1Ttl}.
 */
public final class CacheBroadcast implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CacheBroadcast.class);

    private final Vertx vertx;
    private final Redis publisher;
    private final Redis subscriber;
    private final String channel;
    private final String nodeId;
    private final ResponseCache cache;
    private final Counter received;
    private volatile boolean running = true;
    private volatile RedisConnection subscription;

    public CacheBroadcast(Vertx vertx, RedisConfig config, ResponseCache cache, String nodeId, MeterRegistry meters) {
        this.vertx = vertx;
        this.cache = cache;
        this.nodeId = nodeId;
        this.channel = config.keyPrefix() + "cache-invalidations";
        this.publisher = Redis.createClient(vertx, config.url());
        this.subscriber = Redis.createClient(vertx, config.url());
        this.received = Counter.builder("gatehouse.cache.invalidations.received")
                .description("Cache invalidations applied on behalf of other nodes").register(meters);
        cache.broadcastTo(this::publish);
        subscribe();
    }

    private void publish(String event) {
        publisher.send(Request.cmd(Command.PUBLISH).arg(channel).arg(nodeId + "|" + event))
                .onFailure(e -> log.warn("could not announce a cache invalidation to other nodes: {}", e.getMessage()));
    }

    private void subscribe() {
        if (!running) {
            return;
        }
        subscriber.connect().onSuccess(connection -> {
            subscription = connection;
            connection.handler(this::onMessage);
            connection.exceptionHandler(e -> resubscribe(connection, e.getMessage()));
            connection.endHandler(v -> resubscribe(connection, "connection closed"));
            connection.send(Request.cmd(Command.SUBSCRIBE).arg(channel))
                    .onFailure(e -> resubscribe(connection, e.getMessage()));
        }).onFailure(e -> resubscribe(null, e.getMessage()));
    }

    private void resubscribe(RedisConnection connection, String why) {
        if (!running || (connection != null && connection != subscription)) {
            return;
        }
        subscription = null;
        log.warn("cache invalidation feed lost ({}); resubscribing", why);
        if (connection != null) {
            connection.close();
        }
        vertx.setTimer(1000, t -> subscribe());
    }

    private void onMessage(Response message) {
        if (message.size() != 3 || !"message".equals(message.get(0).toString())) {
            return;
        }
        String payload = message.get(2).toString();
        int bar = payload.indexOf('|');
        if (bar < 0 || payload.substring(0, bar).equals(nodeId)) {
            return;
        }
        received.increment();
        cache.applyRemote(payload.substring(bar + 1));
    }

    @Override
    public void close() {
        running = false;
        RedisConnection connection = subscription;
        if (connection != null) {
            connection.close();
        }
        publisher.close();
        subscriber.close();
    }
}
