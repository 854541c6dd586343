package dev.gatehouse.server.upstream;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.http.HttpClient;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one event loop uses to reach upstreams: its HTTP client, its deadlines, its connection slots per
 * target, and the client-side limits that bound a proxied exchange. Touched only by its event loop.
 */
public final class UpstreamLoop {

    /** Node-wide meters of congestion the gateway sheds itself (never counted against a target). */
    public record Meters(AtomicInteger waiting, Counter queueFull, Counter queueTimeouts, Counter sendTimeouts,
                         Counter clientAborts) {
    }

    private final HttpClient client;
    private final Deadlines deadlines = new Deadlines();
    private final ConnectionSlots slots;
    private final Meters meters;
    private final long sendTimeoutNanos;

    public UpstreamLoop(HttpClient client, Meters meters, long sendTimeoutNanos) {
        this.client = client;
        this.meters = meters;
        this.slots = new ConnectionSlots(meters.waiting());
        this.sendTimeoutNanos = sendTimeoutNanos;
    }

    public HttpClient client() {
        return client;
    }

    /** This event loop's upstream deadlines. */
    public Deadlines deadlines() {
        return deadlines;
    }

    ConnectionSlots slots() {
        return slots;
    }

    Meters meters() {
        return meters;
    }

    /** gateway.sendTimeout: how long a client may leave an answer unwritable before it is cut off. */
    long sendTimeoutNanos() {
        return sendTimeoutNanos;
    }
}
