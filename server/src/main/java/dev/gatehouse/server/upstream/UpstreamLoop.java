package dev.gatehouse.server.upstream;

import dev.gatehouse.server.pipeline.Deadlines;
import dev.gatehouse.server.pipeline.LoopResources;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpClient;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one event loop uses to reach upstreams: its HTTP client, its deadlines and its connection slots per
 * target. Kept among the loop's resources under {@link #KEY}; touched only by its event loop.
 */
public final class UpstreamLoop {

    /** Where the listener puts each event loop's instance. */
    public static final LoopResources.Key<UpstreamLoop> KEY = new LoopResources.Key<>("upstream client");

    /** Node-wide meters of congestion the gateway sheds itself (never counted against a target), and of tunnels. */
    public record Meters(AtomicInteger waiting, Counter queueFull, Counter queueTimeouts, WebSocketTunnel.Meters websockets) {

        /** Registers the node's meters: once per node, shared by all its event loops. */
        public static Meters register(MeterRegistry registry) {
            AtomicInteger waiting = new AtomicInteger();
            Gauge.builder("gatehouse.upstream.waiting", waiting, AtomicInteger::get)
                    .description("Requests waiting for a free connection to their target (every one busy, maxConnectionsPerTarget)")
                    .register(registry);
            String congested = "Requests answered 503 upstream-congested: no free connection to their target, and too many waiting "
                    + "(queue-full) or none freed within the connect timeout (queue-timeout); never a target failure";
            return new Meters(waiting,
                    Counter.builder("gatehouse.upstream.congested").tag("reason", "queue-full").description(congested).register(registry),
                    Counter.builder("gatehouse.upstream.congested").tag("reason", "queue-timeout").description(congested).register(registry),
                    new WebSocketTunnel.Meters(registry));
        }
    }

    private final HttpClient client;
    private final Deadlines deadlines;
    private final ConnectionSlots slots;
    private final Meters meters;

    public UpstreamLoop(HttpClient client, Deadlines deadlines, Meters meters) {
        this.client = client;
        this.deadlines = deadlines;
        this.meters = meters;
        this.slots = new ConnectionSlots(meters.waiting());
    }

    public HttpClient client() {
        return client;
    }

    Deadlines deadlines() {
        return deadlines;
    }

    ConnectionSlots slots() {
        return slots;
    }

    Meters meters() {
        return meters;
    }
}
