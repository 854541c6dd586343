package dev.gatehouse.server.upstream;

import dev.gatehouse.core.time.Ticker;
import dev.gatehouse.core.config.WebSocketConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A WebSocket the upstream accepted (101), spliced byte for byte to its client once the gateway has passed
 * the handshake through its filters (auth, limits). Each direction is paced by the other side's socket
 * (backpressure), and the tunnel closes as a whole when either side closes, after the route's idle timeout
 * with no byte either way, or at its maximum duration.
 */
public final class WebSocketTunnel {

    /** Why a tunnel ended, as counted in {@code gatehouse_websocket_closed_total{reason}}. */
    enum Reason {
        CLIENT("client"), UPSTREAM("upstream"), IDLE("idle"), MAX_DURATION("max-duration");

        final String label;

        Reason(String label) {
            this.label = label;
        }
    }

    /** Node-wide WebSocket meters. */
    public static final class Meters {
        private final AtomicInteger open = new AtomicInteger();
        private final Counter[] closed = new Counter[Reason.values().length];
        private final Counter framesFromClients;
        private final Counter framesFromUpstreams;

        public Meters(MeterRegistry registry) {
            String frames = "WebSocket frames carried through the gateway (control frames included), by who sent them";
            framesFromClients = Counter.builder("gatehouse.websocket.frames").tag("from", "client").description(frames).register(registry);
            framesFromUpstreams = Counter.builder("gatehouse.websocket.frames").tag("from", "upstream").description(frames).register(registry);
            Gauge.builder("gatehouse.websocket.connections", open, AtomicInteger::get)
                    .description("WebSocket tunnels open through the gateway").register(registry);
            for (Reason reason : Reason.values()) {
                closed[reason.ordinal()] = Counter.builder("gatehouse.websocket.closed").tag("reason", reason.label)
                        .description("WebSocket tunnels ended, by who or what ended them").register(registry);
            }
        }

        int open() {
            return open.get();
        }
    }

    /** How often a tunnel checks its idle time and age. */
    private static final long CHECK_MILLIS = 250;

    private final Vertx vertx;
    private final Ticker ticker;
    private final WebSocketConfig config;
    private final Meters meters;
    private final Promise<Void> closed = Promise.promise();
    private NetSocket client;
    private NetSocket upstream;
    private long openedNanos;
    private long lastByteNanos;
    private long timer = -1;
    private boolean ended;

    private WebSocketTunnel(Vertx vertx, WebSocketConfig config, Meters meters, Ticker ticker) {
        this.vertx = vertx;
        this.ticker = ticker;
        this.config = config;
        this.meters = meters;
    }

    /**
     * Sends the upstream's 101 to the client and joins the two connections. The future completes when the
     * tunnel has closed, or fails if the client's side could not be taken over (the upstream side is closed then).
     */
    static Future<Void> splice(Vertx vertx, HttpServerRequest request, HttpClientResponse upgraded, WebSocketConfig config,
                               Meters meters, Ticker ticker) {
        WebSocketTunnel tunnel = new WebSocketTunnel(vertx, config, meters, ticker);
        NetSocket upstream = upgraded.netSocket();
        upstream.pause();
        request.toNetSocket().onComplete(taken -> {
            if (taken.failed()) {
                upstream.close();
                tunnel.closed.tryFail(taken.cause());
                return;
            }
            tunnel.join(taken.result(), upstream);
        });
        return tunnel.closed.future();
    }

    private void join(NetSocket client, NetSocket upstream) {
        this.client = client;
        this.upstream = upstream;
        // the listener's idle timeout is for HTTP requests; a tunnel keeps the route's own
        if (client instanceof ConnectionBase base && base.channel().pipeline().get(IdleStateHandler.class) != null) {
            base.channel().pipeline().remove(IdleStateHandler.class);
        }
        openedNanos = ticker.read();
        lastByteNanos = openedNanos;
        meters.open.incrementAndGet();
        relay(client, upstream, meters.framesFromClients);
        relay(upstream, client, meters.framesFromUpstreams);
        client.closeHandler(v -> end(Reason.CLIENT));
        upstream.closeHandler(v -> end(Reason.UPSTREAM));
        client.exceptionHandler(e -> end(Reason.CLIENT));
        upstream.exceptionHandler(e -> end(Reason.UPSTREAM));
        long every = Math.min(CHECK_MILLIS, Math.max(10, config.idleTimeout().toMillis() / 4));
        timer = vertx.setPeriodic(every, id -> check());
        upstream.resume();
    }

    /**
     * Copies what {@code from} reads to {@code to}, pausing {@code from} while {@code to} cannot take more, and
     * counts the frames that pass.
     */
    private void relay(NetSocket from, NetSocket to, Counter frames) {
        WebSocketFrames reader = new WebSocketFrames();
        from.handler((Buffer bytes) -> {
            lastByteNanos = ticker.read();
            int begun = reader.read(bytes);
            if (begun > 0) {
                frames.increment(begun);
            }
            to.write(bytes);
            if (to.writeQueueFull()) {
                from.pause();
                to.drainHandler(v -> from.resume());
            }
        });
    }

    private void check() {
        long now = ticker.read();
        if (now - openedNanos >= config.maxDuration().toNanos()) {
            end(Reason.MAX_DURATION);
        } else if (now - lastByteNanos >= config.idleTimeout().toNanos()) {
            end(Reason.IDLE);
        }
    }

    private void end(Reason reason) {
        if (ended) {
            return;
        }
        ended = true;
        meters.open.decrementAndGet();
        meters.closed[reason.ordinal()].increment();
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        client.close();
        upstream.close();
        closed.tryComplete();
    }
}
