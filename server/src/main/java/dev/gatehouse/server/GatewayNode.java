package dev.gatehouse.server;

import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.core.config.CacheConfig;
import dev.gatehouse.core.config.IdentityConfig;
import dev.gatehouse.core.config.InvalidConfigException;
import dev.gatehouse.core.config.RedisConfig;
import dev.gatehouse.core.config.UpstreamConfig;
import dev.gatehouse.core.time.Ticker;
import dev.gatehouse.server.admin.AdminApi;
import dev.gatehouse.server.auth.Identities;
import dev.gatehouse.server.cache.ResponseCache;
import dev.gatehouse.cache.CacheClock;
import dev.gatehouse.cache.InvalidationFeed;
import dev.gatehouse.cache.RedisLevel;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import dev.gatehouse.server.auth.IdentityEndpoints;
import dev.gatehouse.server.config.ConfigLoader;
import dev.gatehouse.server.config.ConfigWatcher;
import dev.gatehouse.server.config.RestartOnlySettings;
import dev.gatehouse.server.listener.GatewayVerticle;
import dev.gatehouse.server.listener.HealthEndpoints;
import dev.gatehouse.server.observe.AccessLog;
import dev.gatehouse.server.observe.GatewayMetrics;
import dev.gatehouse.server.routing.RouteCompiler;
import dev.gatehouse.server.routing.RoutingSnapshot;
import dev.gatehouse.server.ratelimit.RateLimiters;
import dev.gatehouse.server.store.Database;
import dev.gatehouse.server.store.NodeRegistry;
import dev.gatehouse.server.upstream.HealthChecker;
import dev.gatehouse.server.upstream.UpstreamPool;
import dev.gatehouse.server.upstream.UpstreamRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One running Gatehouse node: storage, the gateway and admin listeners, upstream pools with health
 * checks, and the configuration watcher. {@link #start} blocks until the node serves; {@link #close}
 * stops everything it started.
 */
public final class GatewayNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GatewayNode.class);
    public static final String VERSION = Objects.requireNonNullElse(GatewayNode.class.getPackage().getImplementationVersion(), "dev");

    /**
     * How to run a node besides its configuration.
     *
     * @param configFile the file to watch for changes, or null for none
     * @param configPoll how often the file is checked for changes
     * @param ticker the time source for health and breakers
     */
    public record Options(Path configFile, ConfigLoader loader, Duration configPoll, Ticker ticker) {
        public static Options defaults(Path configFile) {
            return new Options(configFile, ConfigLoader.withSystemEnvironment(), Duration.ofSeconds(1), Ticker.system());
        }
    }

    private final Vertx vertx;
    private final Transport transport;
    private final GatewayMetrics metrics;
    private final Database database;
    private final NodeRegistry nodes;
    private final AccessLog accessLog;
    private final UpstreamRegistry upstreams;
    private final HealthChecker healthChecker;
    private final RouteCompiler compiler;
    private final RateLimiters limiters;
    private final Identities identities;
    private final ResponseCache cache;
    private final InvalidationFeed invalidations;
    /** One client (one pool) per node for rate limiting and the cache's shared level; null without Redis. */
    private final Redis redisClient;
    private final AtomicReference<RoutingSnapshot> snapshot = new AtomicReference<>();
    private final AtomicBoolean storageReady = new AtomicBoolean(true);
    private final AtomicInteger gatewayPort = new AtomicInteger();
    private final String nodeId;
    private ConfigWatcher watcher;
    /** The configuration the node started with: what its listeners, storage and clients were built from. */
    private GatewayConfig started;
    private HttpServer admin;

    private GatewayNode(Vertx vertx, Transport transport, GatewayMetrics metrics, Database database, AccessLog accessLog, Ticker ticker,
                        RedisConfig redis, IdentityConfig identity, CacheConfig cache) {
        this.vertx = vertx;
        this.transport = transport;
        this.metrics = metrics;
        Gauge.builder("gatehouse.node.transport", () -> 1)
                .description("The network transport this node runs on (gateway.transport)")
                .tag("transport", transport.name()).register(metrics.registry());
        this.database = database;
        this.nodes = new NodeRegistry(database);
        this.accessLog = accessLog;
        this.upstreams = new UpstreamRegistry(metrics.registry(), ticker);
        this.healthChecker = new HealthChecker(vertx);
        this.redisClient = redis.enabled() ? Redis.createClient(vertx, new RedisOptions().setConnectionString(redis.url())
                .setMaxPoolSize(redis.poolSize()).setMaxPoolWaiting(redis.poolSize() * 256)) : null;
        this.limiters = new RateLimiters(redisClient, redis, metrics.registry(), GatewayNode::wallClockMicros);
        this.identities = new Identities(vertx, database, metrics.registry(), identity);
        this.nodeId = hostname() + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.invalidations = redis.enabled()
                ? new InvalidationFeed(vertx, redis.url(), redis.keyPrefix() + "cache-invalidations", nodeId, metrics.registry()) : null;
        RedisLevel l2 = redisClient == null || !cache.redis() ? null
                : new RedisLevel(redisClient, redis.keyPrefix() + "cache:", redis.timeout(), metrics.registry());
        this.cache = new ResponseCache(cache, new CacheClock(ticker, System.currentTimeMillis()), l2, invalidations, metrics.registry());
        this.compiler = new RouteCompiler(vertx, metrics, accessLog, limiters, identities, this.cache);
    }

    /** Starts a node and returns once both listeners accept connections. Blocking: call from a main or test thread. */
    public static GatewayNode start(GatewayConfig config, Options options) {
        // first: a transport the machine cannot give stops the node before it opens anything
        Transport transport = NetworkTransport.choose(config.gateway().transport());
        GatewayMetrics metrics = new GatewayMetrics();
        Database database = Database.open(config.storage(), metrics.registry());
        AccessLog accessLog;
        try {
            accessLog = AccessLog.open(config.observability().accessLog(), config.observability().accessLogQueue(), metrics.registry());
        } catch (IOException e) {
            database.close();
            throw new UncheckedIOException("cannot open access log " + config.observability().accessLog(), e);
        }
        Vertx vertx = Vertx.builder().with(new VertxOptions().setDisableTCCL(true)).withTransport(transport).build();
        GatewayNode node = new GatewayNode(vertx, transport, metrics, database, accessLog, options.ticker(), config.redis(), config.identity(), config.cache());
        try {
            node.boot(config, options);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    private void boot(GatewayConfig config, Options options) {
        started = config;
        identities.start();
        registerNode();
        snapshot.set(compiler.compile(config, upstreams.rebuild(config.upstreams())));
        warnOfUnpassableRoutes(config);
        healthChecker.watch(upstreams.pools().values());
        vertx.setPeriodic(2000, id -> vertx.executeBlocking(() -> database.ping(2), false)
                .onComplete(r -> updateReadiness(r.succeeded() && r.result())));

        Gauge.builder("gatehouse.gateway.max.connections", () -> snapshot.get().config().gateway().maxConnections())
                .description("gateway.maxConnections: the most client connections kept open at once").register(metrics.registry());
        HealthEndpoints health = new HealthEndpoints(storageReady::get);
        int instances = config.gateway().instances() > 0 ? config.gateway().instances() : Runtime.getRuntime().availableProcessors();
        IdentityEndpoints identityEndpoints = config.identity().endpoints()
                ? new IdentityEndpoints(vertx, identities, config.identity(), () -> snapshot.get().trustedProxies(), GatewayNode::wallClockMicros)
                : null;
        GatewayVerticle.Shared shared = new GatewayVerticle.Shared(config.gateway(), snapshot::get, health, identityEndpoints,
                metrics, gatewayPort, options.ticker());
        await(vertx.deployVerticle(GatewayVerticle.instances(shared), new DeploymentOptions().setInstances(instances)),
                "start the gateway listener on " + config.gateway().host() + ":" + config.gateway().port());
        AdminApi api = new AdminApi(metrics, upstreams::pools, snapshot::get, health, identities, cache, nodes);
        admin = await(vertx.createHttpServer(new HttpServerOptions().setHost(config.admin().host()).setPort(config.admin().port()))
                .requestHandler(api.router(vertx)).listen(), "start the admin listener on " + config.admin().host() + ":" + config.admin().port());
        if (options.configFile() != null) {
            Counter refused = metrics.counter("gatehouse.config.reloads", "Configuration file changes by result", "result", "refused");
            watcher = new ConfigWatcher(vertx, options.configFile(), options.loader(), options.configPoll(), this::apply, refused::increment);
            watcher.start();
        }
        String gatewayAddress = config.gateway().host() + ":" + gatewayPort();
        String adminAddress = config.admin().host() + ":" + adminPort();
        beat(() -> {
            nodes.addresses(nodeId, gatewayAddress, adminAddress);
            return null;
        });
        vertx.setPeriodic(NodeRegistry.HEARTBEAT.toMillis(), id -> beat(() -> {
            nodes.beat(nodeId);
            return null;
        }));
        log.info("gatehouse {} node {} serving on {}:{} (admin {}:{}), {} routes, {} upstreams, {} network I/O", VERSION, nodeId,
                config.gateway().host(), gatewayPort(), config.admin().host(), adminPort(), config.routes().size(), config.upstreams().size(),
                transport());
    }

    /** Swaps in a new configuration's routes and pools; the old snapshot keeps serving requests already under way. */
    public synchronized void apply(GatewayConfig next) {
        // compared with what the node started with, not the last file: a value put back needs no restart
        List<String> restartOnly = RestartOnlySettings.changed(started, next);
        if (!restartOnly.isEmpty()) {
            log.warn("the configuration file changes settings a running node keeps until it restarts: {}; "
                    + "everything else in it is applied now", String.join(", ", restartOnly));
        }
        Map<String, UpstreamPool> pools = upstreams.rebuild(next.upstreams());
        snapshot.set(compiler.compile(next, pools));
        warnOfUnpassableRoutes(next);
        healthChecker.watch(pools.values());
        metrics.counter("gatehouse.config.reloads", "Configuration file changes by result", "result", "applied").increment();
        log.info("configuration reloaded: {} routes, {} upstreams", next.routes().size(), next.upstreams().size());
    }

    /** Logs each {@code tiers: true} route that costs more than a stored tier allows, whose callers could never pass it. */
    private void warnOfUnpassableRoutes(GatewayConfig config) {
        identities.tiers().forEach((tier, limits) -> config.unpassableRoutes(limits, "callers of tier '" + tier + "'")
                .forEach(line -> log.warn("{}; raise the tier or lower the route's cost", line)));
    }

    /** Reloads the watched file now; throws with every problem if it is invalid (and keeps the old configuration). */
    public void reload() throws InvalidConfigException {
        if (watcher == null) {
            throw new IllegalStateException("this node was started without a configuration file");
        }
        apply(watcher.loadNow());
    }

    private void updateReadiness(boolean ready) {
        if (storageReady.getAndSet(ready) != ready) {
            if (ready) {
                log.info("storage reachable again; node is ready");
            } else {
                log.warn("storage unreachable; /health/ready reports DOWN");
            }
        }
    }

    private void registerNode() {
        try {
            nodes.register(nodeId, hostname(), VERSION);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot register this node in PostgreSQL: " + e.getMessage(), e);
        }
    }

    /** Beats off the event loops; a missed beat (storage down) is only a debug line: readiness reports that. */
    private void beat(java.util.concurrent.Callable<Void> what) {
        vertx.executeBlocking(what, false).onFailure(e -> log.debug("node registry: {}", e.getMessage()));
    }

    public int gatewayPort() {
        return gatewayPort.get();
    }

    public int adminPort() {
        return admin == null ? -1 : admin.actualPort();
    }

    /** The network transport the node runs on: io_uring, epoll or nio. */
    public String transport() {
        return transport.name();
    }

    public String nodeId() {
        return nodeId;
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    public Map<String, UpstreamPool> pools() {
        return upstreams.pools();
    }

    public Identities identities() {
        return identities;
    }

    public Database database() {
        return database;
    }

    public Vertx vertx() {
        return vertx;
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
        try {
            nodes.stopped(nodeId);
        } catch (SQLException | RuntimeException e) {
            log.debug("could not mark this node stopped: {}", e.getMessage());
        }
        healthChecker.close();
        if (invalidations != null) {
            invalidations.close();
        }
        if (redisClient != null) {
            redisClient.close();
        }
        identities.close();
        await(vertx.close(), "stop Vert.x");
        if (accessLog != null) {
            accessLog.close();
        }
        database.close();
        metrics.close();
    }

    private static <T> T await(Future<T> future, String what) {
        try {
            return future.toCompletionStage().toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while trying to " + what, e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("could not " + what + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Wall-clock microseconds, for local rate limiting (Redis uses its own TIME). */
    static long wallClockMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}
