package dev.gatehouse.server.upstream;

import dev.gatehouse.server.pipeline.Deadlines;
import dev.gatehouse.server.pipeline.LoopResources;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpClient;

import dev.gatehouse.core.config.UpstreamConfig;

import java.util.EnumMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * What one event loop uses to reach upstreams: an HTTP client per protocol (HTTP/1.1, h2, h2c; each made when a
 * request first needs it), its deadlines and its connection slots per target. Kept among the loop's resources
 * under {@link #KEY}; touched only by its event loop.
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

    private final Function<UpstreamConfig.Protocol, HttpClient> clientFactory;
    private final EnumMap<UpstreamConfig.Protocol, HttpClient> clients = new EnumMap<>(UpstreamConfig.Protocol.class);
    private final Deadlines deadlines;
    private final ConnectionSlots slots;
    private final Meters meters;

    /** @param clientFactory makes this loop's client for a protocol; asked once per protocol, on this loop */
    public UpstreamLoop(Function<UpstreamConfig.Protocol, HttpClient> clientFactory, Deadlines deadlines, Meters meters) {
        this.clientFactory = clientFactory;
        this.deadlines = deadlines;
        this.meters = meters;
        this.slots = new ConnectionSlots(meters.waiting());
    }

    /** This loop's client for upstreams that speak {@code protocol}. */
    public HttpClient client(UpstreamConfig.Protocol protocol) {
        HttpClient client = clients.get(protocol);
        if (client == null) {
            client = clientFactory.apply(protocol);
            clients.put(protocol, client);
        }
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
