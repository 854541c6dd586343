package dev.gatehouse.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Cross-node cache invalidation over Redis pub/sub: what one node's caches drop is announced on one
 * channel and every other node drops the same from its process memory (typically within milliseconds).
 * Each cache listens on a topic of its own. The subscription reconnects by itself; while it is down,
 * in-process entries still expire with their short in-process lifetime.
 */
public final class InvalidationFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InvalidationFeed.class);

    private final Vertx vertx;
    private final Redis publisher;
    private final Redis subscriber;
    private final boolean ownsPublisher;
    private final String channel;
    private final String nodeId;
    private final Map<String, Consumer<String>> topics = new ConcurrentHashMap<>();
    private final Counter received;
    private volatile boolean running = true;
    private volatile RedisConnection subscription;

    /**
     * @param channel the pub/sub channel every node of one deployment shares
     * @param nodeId this node's name, so it ignores its own announcements
     */
    public InvalidationFeed(Vertx vertx, String redisUrl, String channel, String nodeId, MeterRegistry meters) {
        this(vertx, Redis.createClient(vertx, redisUrl), true, new RedisOptions().setConnectionString(redisUrl), channel, nodeId, meters);
    }

    /**
     * Over any Redis deployment (standalone, cluster or Sentinel): a cluster carries a classic PUBLISH to
     * every node, so the subscription may sit on any one of them, and the client's cluster connection
     * sends SUBSCRIBE to one; under Sentinel both follow the current master.
     *
     * @param publisher the node's client, owned and closed by the node
     * @param subscriberOptions the node's client settings: the subscription gets a client of its own, since
     *                          a subscribed connection can do nothing else and must not go back to a pool
     */
    public InvalidationFeed(Vertx vertx, Redis publisher, RedisOptions subscriberOptions, String channel, String nodeId,
                            MeterRegistry meters) {
        this(vertx, publisher, false, new RedisOptions(subscriberOptions).setMaxPoolSize(1), channel, nodeId, meters);
    }

    private InvalidationFeed(Vertx vertx, Redis publisher, boolean ownsPublisher, RedisOptions subscriberOptions, String channel,
                             String nodeId, MeterRegistry meters) {
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.channel = channel;
        this.publisher = publisher;
        this.ownsPublisher = ownsPublisher;
        this.subscriber = Redis.createClient(vertx, subscriberOptions);
        this.received = Counter.builder("gatehouse.cache.invalidations.received")
                .description("Cache invalidations applied on behalf of other nodes").register(meters);
        subscribe();
    }

    /** Calls {@code handler} with each event another node publishes on {@code topic}. */
    public void listen(String topic, Consumer<String> handler) {
        if (topic.indexOf('|') >= 0) {
            throw new IllegalArgumentException("a topic must not contain '|': " + topic);
        }
        topics.put(topic, handler);
    }

    /** Announces {@code event} on {@code topic} to every other node (best effort; a failure is logged). */
    public void publish(String topic, String event) {
        publisher.send(Request.cmd(Command.PUBLISH).arg(channel).arg(nodeId + "|" + topic + "|" + event))
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
        int first = payload.indexOf('|');
        int second = first < 0 ? -1 : payload.indexOf('|', first + 1);
        if (second < 0 || payload.substring(0, first).equals(nodeId)) {
            return;
        }
        Consumer<String> handler = topics.get(payload.substring(first + 1, second));
        if (handler != null) {
            received.increment();
            handler.accept(payload.substring(second + 1));
        }
    }

    @Override
    public void close() {
        running = false;
        RedisConnection connection = subscription;
        if (connection != null) {
            connection.close();
        }
        if (ownsPublisher) {
            publisher.close();
        }
        subscriber.close();
    }
}
