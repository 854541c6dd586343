package dev.gatehouse.server.upstream;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.http.HttpClient;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one event loop uses to reach upstreams: its HTTP client, its deadlines, its connection slots per
 * target. Touched only by its event loop.
 */
public final class UpstreamLoop {

    /** Node-wide meters of congestion the gateway sheds itself (never counted against a target). */
    public record Meters(AtomicInteger waiting, Counter queueFull, Counter queueTimeouts, Counter sendTimeouts,
                         Counter clientAborts, WebSocketTunnel.Meters websockets) {
    }

    private final HttpClient client;
    private final Deadlines deadlines = new Deadlines();
    private final ConnectionSlots slots;
    private final Meters meters;

    public UpstreamLoop(HttpClient client, Meters meters) {
        this.client = client;
        this.meters = meters;
        this.slots = new ConnectionSlots(meters.waiting());
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
}
