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

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Cross-node cache invalidation over Redis pub/sub: what one node's caches drop is announced on one
 * channel and every other node drops the same from its process memory (typically within milliseconds).
 * Each cache listens on a topic of its own. The subscription reconnects by itself; while it is down,
 * in-process entries still expire with their short in-process lifetime, and once it is back the
 * {@link #onReconnect} handlers run (a cache that may have missed announcements drops what it holds).
 *
 * <p>{@link #publishConfirmed} waits, within a bound, until every other node has applied an announcement:
 * for a write whose caller must be able to read it back from any node as soon as it is answered.
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
    private final Counter unconfirmed;
    private final List<Runnable> reconnectHandlers = new CopyOnWriteArrayList<>();
    private final Map<Long, Confirmation> confirmations = new ConcurrentHashMap<>();
    private final AtomicLong confirmationIds = new AtomicLong();
    private volatile boolean running = true;
    private volatile boolean lost;
    private volatile boolean subscribedOnce;
    private volatile RedisConnection subscription;

    /** Separates a confirmation request's number from the sender's node id (node ids do not contain it). */
    private static final char CONFIRM = '\u0001';
    private static final String ACK_TOPIC = "~ack";

    /** An announcement waiting for other nodes' acknowledgements. */
    private record Confirmation(Promise<Integer> done, AtomicInteger acks, AtomicInteger expected) {
        void check() {
            int want = expected.get();
            if (want >= 0 && acks.get() >= want) {
                done.tryComplete(acks.get());
            }
        }
    }

    /**
     * @param channel the pub/sub channel every node of one deployment shares
     * @param nodeId this node's name, so it ignores its own announcements
     */
    public InvalidationFeed(Vertx vertx, String redisUrl, String channel, String nodeId, MeterRegistry meters) {
        // a burst of writes (each announced) waits for a pooled connection instead of failing past the client's default queue of 24
        this(vertx, Redis.createClient(vertx, new RedisOptions().setConnectionString(redisUrl).setMaxPoolSize(4).setMaxPoolWaiting(4096)),
                true, new RedisOptions().setConnectionString(redisUrl), channel, nodeId, meters);
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
        this.unconfirmed = Counter.builder("gatehouse.cache.invalidations.unconfirmed")
                .description("Confirmed invalidations that some node did not acknowledge in time").register(meters);
        if (nodeId.indexOf(CONFIRM) >= 0 || nodeId.indexOf('|') >= 0) {
            throw new IllegalArgumentException("a node id must not contain '|' or U+0001: " + nodeId);
        }
        subscribe();
    }

    /** Calls {@code handler} with each event another node publishes on {@code topic}. */
    public void listen(String topic, Consumer<String> handler) {
        if (topic.indexOf('|') >= 0) {
            throw new IllegalArgumentException("a topic must not contain '|': " + topic);
        }
        topics.put(topic, handler);
    }

    /** Whether the subscription is up now (announcements from other nodes reach this one). */
    public boolean subscribed() {
        return subscription != null && subscribedOnce;
    }

    /** Runs {@code handler} each time the subscription is back after a loss, when announcements may have been missed. */
    public void onReconnect(Runnable handler) {
        reconnectHandlers.add(handler);
    }

    /**
     * Announces {@code event} on {@code topic} and completes once every other subscribed node has applied it
     * (with how many did), or when {@code timeout} passes first (with how many had; counted as unconfirmed).
     * Never fails: a node that misses an announcement still drops the entry when its in-process lifetime ends.
     * Over a standalone server or Sentinel only: in a Redis Cluster PUBLISH counts only the subscribers of the
     * node that received it, so the number of nodes to wait for would be wrong.
     */
    public Future<Integer> publishConfirmed(String topic, String event, java.time.Duration timeout) {
        long id = confirmationIds.incrementAndGet();
        Confirmation confirmation = new Confirmation(Promise.promise(), new AtomicInteger(), new AtomicInteger(-1));
        confirmations.put(id, confirmation);
        long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), t -> {
            if (confirmation.done().tryComplete(confirmation.acks().get())) {
                unconfirmed.increment();
            }
        });
        boolean selfSubscribed = subscription != null;
        publisher.send(Request.cmd(Command.PUBLISH).arg(channel).arg(nodeId + CONFIRM + id + "|" + topic + "|" + event))
                .onSuccess(receivers -> {
                    // every subscriber of the channel counts, this node's own subscription among them
                    confirmation.expected().set(Math.max(0, receivers.toInteger() - (selfSubscribed ? 1 : 0)));
                    confirmation.check();
                })
                .onFailure(e -> {
                    log.warn("could not announce a cache invalidation to other nodes: {}", e.getMessage());
                    confirmation.done().tryComplete(0);
                    unconfirmed.increment();
                });
        return confirmation.done().future().onComplete(r -> {
            vertx.cancelTimer(timer);
            confirmations.remove(id);
        });
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
                    .onSuccess(r -> {
                        subscribedOnce = true;
                        if (lost) {
                            lost = false;
                            reconnectHandlers.forEach(Runnable::run);
                        }
                    })
                    .onFailure(e -> resubscribe(connection, e.getMessage()));
        }).onFailure(e -> resubscribe(null, e.getMessage()));
    }

    private void resubscribe(RedisConnection connection, String why) {
        if (!running || (connection != null && connection != subscription)) {
            return;
        }
        subscription = null;
        lost = true;
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
        if (second < 0) {
            return;
        }
        String sender = payload.substring(0, first);
        int confirm = sender.indexOf(CONFIRM);
        String senderNode = confirm < 0 ? sender : sender.substring(0, confirm);
        if (senderNode.equals(nodeId)) {
            return;
        }
        String topic = payload.substring(first + 1, second);
        String event = payload.substring(second + 1);
        if (topic.equals(ACK_TOPIC)) {
            onAck(event);
            return;
        }
        Consumer<String> handler = topics.get(topic);
        if (handler != null) {
            received.increment();
            handler.accept(event);
        }
        if (confirm >= 0) {
            // applied (or nothing here to apply): the sender may answer its caller once every node said so
            publish(ACK_TOPIC, sender);
        }
    }

    /** An acknowledgement names the confirmation it answers as {@code node U+0001 number}; only that node counts it. */
    private void onAck(String event) {
        int cut = event.indexOf(CONFIRM);
        if (cut < 0 || !event.substring(0, cut).equals(nodeId)) {
            return;
        }
        try {
            Confirmation confirmation = confirmations.get(Long.parseLong(event.substring(cut + 1)));
            if (confirmation != null) {
                confirmation.acks().incrementAndGet();
                confirmation.check();
            }
        } catch (NumberFormatException ignored) {
            // not one of ours
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
