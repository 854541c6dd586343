package dev.gatehouse.server.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's meters, exposed in Prometheus format on the admin listener. Labels are bounded: route
 * and pool names from configuration and status classes, never raw paths or client values.
 */
public final class GatewayMetrics implements AutoCloseable {

    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30)};

    private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger upstreamConnections = new AtomicInteger();
    private final AtomicInteger clientConnections = new AtomicInteger();
    private final Counter headerTimeouts;
    private final Counter connectionsRefused;
    private final Counter connectionsRefusedPerAddress;
    private final Counter keepAliveEnded;
    private final Counter sendTimeouts;
    private final Counter clientAborts;
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public GatewayMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc.bindTo(registry);
        registry.gauge("gatehouse.upstream.connections", upstreamConnections);
        Gauge.builder("gatehouse.gateway.connections", clientConnections, AtomicInteger::get)
                .description("Open client connections to the gateway listener").register(registry);
        connectionsRefused = Counter.builder("gatehouse.gateway.connections.refused")
                .description("Client connections closed on arrival because gateway.maxConnections were open").register(registry);
        connectionsRefusedPerAddress = Counter.builder("gatehouse.gateway.connections.refused.per.address")
                .description("Client connections closed on arrival because their address held gateway.maxConnectionsPerAddress "
                        + "(or a trusted proxy maxConnectionsPerProxy)").register(registry);
        keepAliveEnded = Counter.builder("gatehouse.gateway.keepalive.ended")
                .description("Client connections closed after an answer because they reached gateway.maxRequestsPerConnection "
                        + "or gateway.maxConnectionAge").register(registry);
        sendTimeouts = Counter.builder("gatehouse.gateway.send.timeouts")
                .description("Client connections cut because the client read nothing of an answer for gateway.sendTimeout")
                .register(registry);
        clientAborts = Counter.builder("gatehouse.gateway.client.aborts")
                .description("Requests whose client hung up before its answer was complete (an upstream exchange for it is reset)")
                .register(registry);
        headerTimeouts = Counter.builder("gatehouse.gateway.header.timeouts")
                .description("Connections closed with 408 because a request head did not arrive whole within gateway.headerTimeout")
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public String scrape() {
        return registry.scrape();
    }

    /** Open keep-alive connections from this node to all upstream targets. */
    public AtomicInteger upstreamConnections() {
        return upstreamConnections;
    }

    /** Open client connections to the gateway listener, on every event loop. */
    public AtomicInteger clientConnections() {
        return clientConnections;
    }

    /** Client connections closed on arrival, over gateway.maxConnections. */
    public Counter connectionsRefused() {
        return connectionsRefused;
    }

    /** Client connections closed on arrival, over their address's limit. */
    public Counter connectionsRefusedPerAddress() {
        return connectionsRefusedPerAddress;
    }

    /** Client connections closed after an answer for their request count or age. */
    public Counter keepAliveEnded() {
        return keepAliveEnded;
    }

    /** Clients cut off for reading nothing of an answer for gateway.sendTimeout. */
    public Counter sendTimeouts() {
        return sendTimeouts;
    }

    /** Requests whose client hung up before the answer was complete. */
    public Counter clientAborts() {
        return clientAborts;
    }

    /** Connections closed with 408 for a request head that came too slowly. */
    public Counter headerTimeouts() {
        return headerTimeouts;
    }

    /** One request timer per status class for a route, created once when the route is compiled. */
    public RequestTimers requestTimers(String route) {
        Timer[] timers = new Timer[STATUS_CLASSES.length];
        for (int i = 0; i < timers.length; i++) {
            timers[i] = Timer.builder("gatehouse.requests")
                    .description("Requests handled by the gateway, by route and status class")
                    .tag("route", route)
                    .tag("status", STATUS_CLASSES[i])
                    .serviceLevelObjectives(LATENCY_BUCKETS)
                    .register(registry);
        }
        return new RequestTimers(timers);
    }

    public Counter counter(String name, String description, String... tags) {
        return Counter.builder(name).description(description).tags(tags).register(registry);
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }

    /** Timers for one route, indexed by status class. */
    public static final class RequestTimers {
        private final Timer[] byClass;

        RequestTimers(Timer[] byClass) {
            this.byClass = byClass;
        }

        public void record(int status, long nanos) {
            int index = Math.min(Math.max(status / 100 - 1, 0), byClass.length - 1);
            byClass[index].record(nanos, TimeUnit.NANOSECONDS);
        }
    }
}
