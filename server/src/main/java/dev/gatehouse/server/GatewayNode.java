package dev.gatehouse.server;

import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.core.config.InvalidConfigException;
import dev.gatehouse.core.time.Clock;
import dev.gatehouse.server.auth.Identities;
import dev.gatehouse.server.config.ConfigLoader;
import dev.gatehouse.server.config.ConfigWatcher;
import dev.gatehouse.server.config.RestartOnlySettings;
import dev.gatehouse.core.config.Http2Config;
import dev.gatehouse.core.config.ShutdownConfig;
import dev.gatehouse.core.config.TlsConfig;
import dev.gatehouse.server.listener.CertificateReloader;
import dev.gatehouse.server.listener.GatewayVerticle;
import dev.gatehouse.server.logs.RequestLogSink;
import dev.gatehouse.server.listener.HttpsRedirect;
import dev.gatehouse.server.listener.ListenerTls;
import io.micrometer.core.instrument.Gauge;
import dev.gatehouse.server.observe.GatewayMetrics;
import dev.gatehouse.server.store.Database;
import dev.gatehouse.server.upstream.UpstreamPool;
import io.micrometer.core.instrument.Counter;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One running Gatehouse node: storage, the gateway and admin listeners, upstream pools with health
 * checks, and the configuration watcher. {@link #start} builds the parts ({@link NodeParts}) and starts them
 * in order, blocking until the node serves; {@link #close} stops them in reverse ({@link StopOrder}).
 */
public final class GatewayNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GatewayNode.class);
    public static final String VERSION = Objects.requireNonNullElse(GatewayNode.class.getPackage().getImplementationVersion(), "dev");

    /**
     * How to run a node besides its configuration.
     *
     * @param configFile the file to watch for changes, or null for none
     * @param configPoll how often the file is checked for changes
     * @param clock the node's one source of time (monotonic and wall), for everything that times or expires
     */
    public record Options(Path configFile, ConfigLoader loader, Duration configPoll, Clock clock, SpanExporter spanExporter) {
        public Options(Path configFile, ConfigLoader loader, Duration configPoll, Clock clock) {
            this(configFile, loader, configPoll, clock, null);
        }

        /** These options, with every request traced (ratio 1) into {@code exporter} instead of the configured collector. */
        public Options tracedInto(SpanExporter exporter) {
            return new Options(configFile, loader, configPoll, clock, exporter);
        }

        public static Options defaults(Path configFile) {
            return new Options(configFile, ConfigLoader.withSystemEnvironment(), Duration.ofSeconds(1), Clock.system());
        }
    }

    private final NodeParts parts;
    private final StopOrder stops;
    /** The configuration the node started with: what its listeners, storage and clients were built from. */
    private final GatewayConfig started;
    private final Options options;
    private ConfigWatcher watcher;
    private HttpServer admin;
    private HttpServer redirectServer;
    private ListenerTls.Engine tlsEngine;
    private GatewayVerticle.Instances gatewayInstances;

    private GatewayNode(NodeParts parts, StopOrder stops, GatewayConfig started, Options options) {
        this.parts = parts;
        this.stops = stops;
        this.started = started;
        this.options = options;
    }

    /** Starts a node and returns once both listeners accept connections. Blocking: call from a main or test thread. */
    public static GatewayNode start(GatewayConfig config, Options options) {
        // first: a transport the machine cannot give stops the node before it opens anything
        Transport transport = NetworkTransport.choose(config.gateway().transport());
        StopOrder stops = new StopOrder();
        try {
            GatewayNode node = new GatewayNode(NodeParts.build(config, options.clock(), transport, options.spanExporter(), stops), stops, config, options);
            node.boot();
            return node;
        } catch (RuntimeException e) {
            try {
                stops.stopAll();
            } catch (RuntimeException stopping) {
                e.addSuppressed(stopping);
            }
            throw e;
        }
    }

    /** Starts the parts in order, each going on the stop order once it runs. */
    private void boot() {
        GatewayConfig config = started;
        Vertx vertx = parts.vertx;
        parts.identities.start();
        stops.push("identities", parts.identities);
        parts.heartbeat.register();
        stops.push("node registration", parts.heartbeat);
        if (parts.logWriter != null) {
            parts.logPartitions.start();
            stops.push("request-log partitions", parts.logPartitions);
            parts.logWriter.start();
            stops.push("request-log writer", parts.logWriter); // stops after the listeners, so it writes their last rows
        }
        parts.snapshot.set(parts.compiler.compile(config, parts.upstreams.rebuild(config.upstreams())));
        parts.jobs.start();
        stops.push("jobs", parts.jobs); // stops after the listeners: it stores the jobs they took last
        warnOfUnpassableRoutes(config);
        parts.healthChecker.watch(parts.upstreams.pools().values());
        stops.push("health checks", parts.healthChecker);
        parts.readiness.start();
        stops.push("readiness checks", parts.readiness);

        int instances = config.gateway().instances() > 0 ? config.gateway().instances() : Runtime.getRuntime().availableProcessors();
        gatewayInstances = GatewayVerticle.instances(parts.gateway);
        String listener = await(vertx.deployVerticle(gatewayInstances, new DeploymentOptions().setInstances(instances)),
                "start the gateway listener on " + config.gateway().host() + ":" + config.gateway().port());
        stops.push("gateway listener", () -> await(vertx.undeploy(listener), "stop the gateway listener"));
        tlsEngine = gatewayInstances.engine();
        TlsConfig tls = config.gateway().tls();
        if (tls != null) {
            Gauge.builder("gatehouse.gateway.tls.engine", () -> 1)
                    .description("The TLS implementation serving the gateway listener (gateway.tls.engine)")
                    .tag("engine", tlsEngine.label()).register(parts.metrics.registry());
            CertificateReloader reloader = new CertificateReloader(vertx, CertificateReloader.Listener.GATEWAY, tls, config.gateway().http2().enabled(),
                    gatewayInstances::servers, options.configPoll(), parts.metrics.registry());
            reloader.start();
            stops.push("certificate reloads", reloader);
            if (tls.redirectFrom() != null) {
                HttpsRedirect redirect = new HttpsRedirect(this::gatewayPort);
                redirectServer = await(vertx.createHttpServer(new HttpServerOptions().setHost(config.gateway().host())
                                .setPort(tls.redirectFrom()).setIdleTimeout((int) config.gateway().idleTimeout().toSeconds()))
                        .requestHandler(redirect::handle).listen(), "start the HTTPS redirect on " + config.gateway().host() + ":" + tls.redirectFrom());
                HttpServer redirectListener = redirectServer;
                stops.push("HTTPS redirect", () -> await(redirectListener.close(), "stop the HTTPS redirect"));
            }
        }
        parts.liveStats.start();
        stops.push("live stats", parts.liveStats);
        parts.clusterStats.start();
        stops.push("live stats sharing", parts.clusterStats);
        // HTTP/1.1 only: no client needs HTTP/2 here, and a JDK client's h2c upgrade on a plain connection was once
        // answered with frames it could not read
        HttpServerOptions adminOptions = new HttpServerOptions().setHost(config.admin().host()).setPort(config.admin().port())
                .setHttp2ClearTextEnabled(false);
        TlsConfig adminTls = config.admin().tls();
        if (adminTls != null) {
            ListenerTls.checkFiles(adminTls, "admin.tls");
            ListenerTls.applyTls(adminOptions, adminTls, ListenerTls.engine(adminTls.engine(), "admin.tls"), false);
        }
        admin = await(vertx.createHttpServer(adminOptions).requestHandler(parts.adminApi.router(vertx)).listen(),
                "start the admin listener on " + config.admin().host() + ":" + config.admin().port());
        HttpServer adminListener = admin;
        stops.push("admin listener", () -> await(adminListener.close(), "stop the admin listener"));
        if (adminTls != null) {
            // the admin listener's certificates renew as the gateway's do
            CertificateReloader reloader = new CertificateReloader(vertx, CertificateReloader.Listener.ADMIN, adminTls, false,
                    () -> List.of(adminListener), options.configPoll(), parts.metrics.registry());
            reloader.start();
            stops.push("admin certificate reloads", reloader);
        }
        if (options.configFile() != null) {
            Counter refused = parts.metrics.counter("gatehouse.config.reloads", "Configuration file changes by result", "result", "refused");
            watcher = new ConfigWatcher(vertx, options.configFile(), options.loader(), options.configPoll(), this::apply, refused::increment);
            watcher.start();
            stops.push("configuration watcher", watcher);
        }
        parts.heartbeat.serving(config.gateway().host() + ":" + gatewayPort(), config.admin().host() + ":" + adminPort());
        log.info("gatehouse {} node {} serving {} on {}:{} (admin {}:{}), {} routes, {} upstreams, {} network I/O{}", VERSION, nodeId(),
                protocols(config), config.gateway().host(), gatewayPort(), config.admin().host(), adminPort(), config.routes().size(),
                config.upstreams().size(), transport(), redirectServer == null ? "" : ", redirecting HTTP on port " + redirectServer.actualPort());
    }

    /** What the listener speaks, for the start log line: e.g. "HTTPS (TLS by openssl; h2, http/1.1)" or "HTTP (http/1.1)". */
    private String protocols(GatewayConfig config) {
        Http2Config http2 = config.gateway().http2();
        if (config.gateway().tls() != null) {
            return "HTTPS (TLS by " + tlsEngine.label() + "; " + (http2.enabled() ? "h2, " : "") + "http/1.1)";
        }
        return "HTTP (http/1.1" + (http2.h2c() ? ", h2c" : "") + ")";
    }

    /** Swaps in a new configuration's routes and pools; the old snapshot keeps serving requests already under way. */
    public synchronized void apply(GatewayConfig next) {
        // compared with what the node started with, not the last file: a value put back needs no restart
        List<String> restartOnly = RestartOnlySettings.changed(started, next);
        if (!restartOnly.isEmpty()) {
            log.warn("the configuration file changes settings a running node keeps until it restarts: {}; "
                    + "everything else in it is applied now", String.join(", ", restartOnly));
        }
        Map<String, UpstreamPool> pools = parts.upstreams.rebuild(next.upstreams());
        parts.snapshot.set(parts.compiler.compile(next, pools));
        warnOfUnpassableRoutes(next);
        parts.healthChecker.watch(pools.values());
        parts.metrics.counter("gatehouse.config.reloads", "Configuration file changes by result", "result", "applied").increment();
        log.info("configuration reloaded: {} routes, {} upstreams", next.routes().size(), next.upstreams().size());
    }

    /** Logs each {@code tiers: true} route that costs more than a stored tier allows, whose callers could never pass it. */
    private void warnOfUnpassableRoutes(GatewayConfig config) {
        parts.identities.tiers().forEach((tier, limits) -> config.unpassableRoutes(limits, "callers of tier '" + tier + "'")
                .forEach(line -> log.warn("{}; raise the tier or lower the route's cost", line)));
    }

    /** Reloads the watched file now; throws with every problem if it is invalid (and keeps the old configuration). */
    public void reload() throws InvalidConfigException {
        if (watcher == null) {
            throw new IllegalStateException("this node was started without a configuration file");
        }
        apply(watcher.loadNow());
    }

    public int gatewayPort() {
        return parts.gatewayPort.get();
    }

    /** The port of the plain listener that redirects to HTTPS, or -1 without one. */
    public int redirectPort() {
        return redirectServer == null ? -1 : redirectServer.actualPort();
    }

    /** The TLS implementation serving the gateway listener, or null when it speaks plain HTTP. */
    public ListenerTls.Engine tlsEngine() {
        return tlsEngine;
    }

    /** What the admin listener answers, as {@code METHOD /path/:param}: what its OpenAPI document must describe. */
    public java.util.Set<String> adminOperations() {
        return parts.adminApi.operations();
    }

    public int adminPort() {
        return admin == null ? -1 : admin.actualPort();
    }

    /** The network transport the node runs on: io_uring, epoll or nio. */
    public String transport() {
        return parts.transport.name();
    }

    public String nodeId() {
        return parts.heartbeat.nodeId();
    }

    public GatewayMetrics metrics() {
        return parts.metrics;
    }

    public Map<String, UpstreamPool> pools() {
        return parts.upstreams.pools();
    }

    public Identities identities() {
        return parts.identities;
    }

    public Database database() {
        return parts.database;
    }

    /** Where this node's request-log rows go. */
    public RequestLogSink requestLog() {
        return parts.requestLog;
    }

    public Vertx vertx() {
        return parts.vertx;
    }

    /**
     * Stops taking work as an orchestrator expects of a node it is stopping (SIGTERM), per
     * {@code gateway.shutdown}: readiness reports DOWN at once and every answer closes its keep-alive connection, the
     * listener keeps serving for {@code delay} while load balancers notice, then it takes no new connections and
     * gives requests under way up to {@code timeout} to finish. {@link #close} follows. Blocks; call it off Vert.x.
     *
     * @return whether every request under way finished within the timeout
     */
    public boolean drain() {
        ShutdownConfig shutdown = parts.snapshot.get().config().gateway().shutdown();
        if (!parts.draining.compareAndSet(false, true) || gatewayInstances == null) {
            return true;
        }
        long began = options.clock().read();
        log.info("draining: readiness is DOWN; serving {} ms more, then up to {} ms for requests under way",
                shutdown.delay().toMillis(), shutdown.timeout().toMillis());
        if (!shutdown.delay().isZero()) {
            await(parts.vertx.timer(shutdown.delay().toMillis(), TimeUnit.MILLISECONDS), "wait for load balancers to see the node is not ready");
        }
        long timeoutMillis = shutdown.timeout().toMillis();
        long deadline = options.clock().read() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<Future<Void>> closing = gatewayInstances.servers().stream().map(s -> s.shutdown(timeoutMillis, TimeUnit.MILLISECONDS)).toList();
        await(Future.join(closing), "drain the gateway listener");
        boolean inTime = options.clock().read() <= deadline;
        log.info("drained in {} ms{}", TimeUnit.NANOSECONDS.toMillis(options.clock().read() - began),
                inTime ? "" : ": requests still under way after gateway.shutdown.timeout were cut");
        return inTime;
    }

    /** The node's async jobs: intake, the queue, and what operators read. */
    public dev.gatehouse.server.jobs.Jobs jobs() {
        return parts.jobs;
    }

    /** Stops everything the node started, in reverse order; closing again does nothing. */
    @Override
    public void close() {
        stops.stopAll();
    }

    /** Waits for a Vert.x future from a thread outside Vert.x (starting or stopping the node). */
    static <T> T await(Future<T> future, String what) {
        try {
            return future.toCompletionStage().toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while trying to " + what, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not " + what + ": " + e.getCause().getMessage(), e.getCause());
        }
    }
}
