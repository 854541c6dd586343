package dev.gatehouse.server;

import dev.gatehouse.server.logs.RequestLogSink;
import dev.gatehouse.core.time.Clock;
import dev.gatehouse.cache.InvalidationFeed;
import dev.gatehouse.cache.RedisLevel;
import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.core.config.RedisConfig;
import dev.gatehouse.server.admin.AdminApi;
import dev.gatehouse.server.admin.AdminViews;
import dev.gatehouse.server.auth.Identities;
import dev.gatehouse.server.auth.IdentityEndpoints;
import dev.gatehouse.server.cache.ResponseCache;
import dev.gatehouse.server.listener.GatewayVerticle;
import dev.gatehouse.server.jobs.PgQuotaStore;
import dev.gatehouse.server.jobs.QuotaStore;
import dev.gatehouse.server.jobs.RedisQuotaStore;
import dev.gatehouse.server.jobs.Jobs;
import dev.gatehouse.server.logs.Analytics;
import dev.gatehouse.server.logs.LogSearch;
import dev.gatehouse.server.logs.PartitionMaintenance;
import dev.gatehouse.server.logs.RequestLogSink;
import dev.gatehouse.server.logs.RequestLogWriter;
import dev.gatehouse.server.observe.HealthEndpoints;
import dev.gatehouse.server.observe.AccessLog;
import dev.gatehouse.server.observe.Tracing;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import dev.gatehouse.server.observe.GatewayMetrics;
import dev.gatehouse.server.observe.ClusterStats;
import dev.gatehouse.server.observe.LiveStats;
import dev.gatehouse.server.ratelimit.RateLimiters;
import dev.gatehouse.server.routing.RouteCompiler;
import dev.gatehouse.server.routing.RoutingSnapshot;
import dev.gatehouse.server.store.Database;
import dev.gatehouse.server.store.NodeHeartbeat;
import dev.gatehouse.server.store.NodeRegistry;
import dev.gatehouse.server.store.StorageReadiness;
import dev.gatehouse.server.upstream.HealthChecker;
import dev.gatehouse.server.upstream.UpstreamRegistry;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The parts of one node, built from its configuration and wired to each other, in the order they depend on
 * each other. Storage, the access log and Vert.x open as they are built, and go on the node's
 * {@link StopOrder} at once; everything else waits for {@link GatewayNode} to start it.
 */
final class NodeParts {
    final Transport transport;
    final GatewayMetrics metrics;
    final Database database;
    final Vertx vertx;
    final NodeHeartbeat heartbeat;
    final StorageReadiness readiness;
    /** Set once the node is told to stop: readiness says DOWN and every answer closes its connection. */
    final java.util.concurrent.atomic.AtomicBoolean draining = new java.util.concurrent.atomic.AtomicBoolean();
    final UpstreamRegistry upstreams;
    final HealthChecker healthChecker;
    final Identities identities;
    final RouteCompiler compiler;
    /** The routes in effect, swapped whole on a reload; requests under way keep the one they began with. */
    final AtomicReference<RoutingSnapshot> snapshot = new AtomicReference<>();
    /** The port the gateway listener bound, once it has. */
    final AtomicInteger gatewayPort = new AtomicInteger();
    final GatewayVerticle.Shared gateway;
    final AdminApi adminApi;
    /** This node's traffic second by second, for the admin API's live stats and the dashboard. */
    final LiveStats liveStats;
    /** Every node's samples shared over PostgreSQL, so one node's dashboard can watch another. */
    final ClusterStats clusterStats;
    /** Where each request's row goes: the request-log writer, or nowhere when {@code logs.enabled} is off. */
    final RequestLogSink requestLog;
    /** The request log's writer and partition upkeep, for {@link GatewayNode} to start; null when logs are off. */
    final RequestLogWriter logWriter;
    final PartitionMaintenance logPartitions;
    /** Async jobs: intake, the queue and its upkeep, for {@link GatewayNode} to start. */
    final Jobs jobs;

    /**
     * Opens storage, the access log and Vert.x, then builds every other part on them.
     *
     * @param stops where each part that runs from now on is put, so the caller can stop it if a later one fails
     */
    static NodeParts build(GatewayConfig config, Clock clock, Transport transport, SpanExporter spanExporter, StopOrder stops) {
        GatewayMetrics metrics = stops.push("metrics", new GatewayMetrics());
        Database database = stops.push("storage", Database.open(config.storage(), metrics.registry()));
        AccessLog accessLog;
        try {
            accessLog = AccessLog.open(config.observability().accessLog(), config.observability().accessLogQueue(), metrics.registry());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open access log " + config.observability().accessLog(), e);
        }
        if (accessLog != null) { // null when it is off
            stops.push("access log", accessLog);
        }
        Vertx vertx = Vertx.builder().with(new VertxOptions().setDisableTCCL(true)).withTransport(transport).build();
        stops.push("Vert.x", () -> GatewayNode.await(vertx.close(), "stop Vert.x"));
        return new NodeParts(config, clock, transport, metrics, database, accessLog, vertx, spanExporter, stops);
    }

    private NodeParts(GatewayConfig config, Clock clock, Transport transport, GatewayMetrics metrics, Database database,
                      AccessLog accessLog, Vertx vertx, SpanExporter spanExporter, StopOrder stops) {
        this.transport = transport;
        this.metrics = metrics;
        this.database = database;
        this.vertx = vertx;
        Gauge.builder("gatehouse.node.transport", () -> 1)
                .description("The network transport this node runs on (gateway.transport)")
                .tag("transport", transport.name()).register(metrics.registry());
        Gauge.builder("gatehouse.gateway.max.connections", snapshot, NodeParts::maxConnections)
                .description("gateway.maxConnections: the most client connections kept open at once").register(metrics.registry());
        NodeRegistry nodes = new NodeRegistry(database);
        this.heartbeat = new NodeHeartbeat(vertx, nodes, GatewayNode.VERSION);
        this.readiness = new StorageReadiness(vertx, database);
        this.upstreams = new UpstreamRegistry(metrics.registry(), clock);
        this.healthChecker = new HealthChecker(vertx);
        if (config.logs().enabled()) {
            this.logWriter = new RequestLogWriter(config.logs(), heartbeat.nodeId(), spoolDir(config), database::openDedicatedConnection,
                    metrics.registry(), clock);
            this.logPartitions = new PartitionMaintenance(vertx, database.dataSource(), config.logs(), clock);
            this.requestLog = logWriter;
        } else {
            this.logWriter = null;
            this.logPartitions = null;
            this.requestLog = RequestLogSink.NONE;
        }

        RedisConfig redis = config.redis();
        // one client (one pool) per node for rate limiting and the cache's shared level
        RedisOptions redisOptions = redis.enabled() ? RedisClients.options(redis) : null;
        Redis redisClient = redis.enabled() ? Redis.createClient(vertx, redisOptions) : null;
        if (redisClient != null) {
            stops.push("Redis client", redisClient::close);
        }
        RateLimiters limiters = new RateLimiters(redisClient, redis, metrics.registry(), clock);
        this.identities = new Identities(vertx, database, metrics.registry(), config.identity(), clock);
        InvalidationFeed invalidations = redis.enabled() ? stops.push("cache invalidations", new InvalidationFeed(vertx, redisClient, redisOptions,
                redis.keyPrefix() + "cache-invalidations", heartbeat.nodeId(), metrics.registry())) : null;
        RedisLevel l2 = redisClient == null || !config.cache().redis() ? null
                : new RedisLevel(redisClient, redis.mode() == RedisConfig.Mode.CLUSTER, redis.keyPrefix() + "cache:", redis.timeout(), metrics.registry(), clock::read);
        ResponseCache cache = new ResponseCache(config.cache(), clock, l2, invalidations,
                metrics.registry());
        QuotaStore quota = limiters.shared() != null
                ? new RedisQuotaStore(limiters.shared(), redisClient, redis.keyPrefix() + "jobs:", redis.timeout(), clock)
                : new PgQuotaStore(database.dataSource());
        this.jobs = new Jobs(vertx, config, new Jobs.Wiring(database, quota, () -> snapshot.get().config(), upstreams::pools, heartbeat.nodeId(),
                jobSpoolDir(config)), metrics.registry(), clock);
        Tracing tracing = config.observability().tracing() == null && spanExporter == null ? null
                : stops.push("tracing", Tracing.start(config.observability().tracing(), heartbeat.nodeId(), spanExporter, metrics.registry()));
        this.compiler = new RouteCompiler(vertx, metrics, accessLog, limiters, identities, cache, requestLog, jobs, clock, tracing);

        HealthEndpoints health = new HealthEndpoints(readiness::ready, draining::get);
        IdentityEndpoints identityEndpoints = config.identity().endpoints()
                ? new IdentityEndpoints(vertx, identities, config.identity(), () -> snapshot.get().trustedProxies(), clock)
                : null;
        Analytics analytics = new Analytics(database.dataSource(), config.logs(), clock);
        LogSearch logSearch = new LogSearch(database.dataSource(), config.logs(), clock);
        AdminViews adminViews = config.adminViews().enabled() || config.adminViews().metrics()
                ? new AdminViews(vertx, config.adminViews(), identities, cache, upstreams::pools, analytics, metrics)
                : null;
        this.gateway = new GatewayVerticle.Shared(config.gateway(), snapshot::get, health, identityEndpoints, adminViews, metrics, gatewayPort, clock, draining::get);
        this.liveStats = new LiveStats(vertx, metrics.registry(), heartbeat.nodeId(), clock);
        this.clusterStats = new ClusterStats(vertx, database, liveStats, clock, metrics.registry());
        this.adminApi = new AdminApi(metrics, upstreams::pools, snapshot::get, health, identities, config.identity(), cache, nodes, analytics,
                logSearch, jobs, liveStats, clusterStats, clock);
    }

    /** logs.spoolDir, else {@code log-spool} beside the embedded database's data, else {@code ./data/log-spool}. */
    static Path spoolDir(GatewayConfig config) {
        if (config.logs().spoolDir() != null) {
            return Path.of(config.logs().spoolDir());
        }
        if (config.storage().embedded()) {
            Path data = Path.of(config.storage().dataDir()).toAbsolutePath().normalize();
            return data.resolveSibling("log-spool");
        }
        return Path.of("data", "log-spool");
    }

    /** jobs.spoolDir, else {@code job-spool} beside the request log's spool. */
    static Path jobSpoolDir(GatewayConfig config) {
        return config.jobs().spoolDir() != null ? Path.of(config.jobs().spoolDir()) : spoolDir(config).resolveSibling("job-spool");
    }

    /** gateway.maxConnections as the routes in effect have it; NaN before the first are compiled. */
    private static double maxConnections(AtomicReference<RoutingSnapshot> snapshot) {
        RoutingSnapshot now = snapshot.get();
        return now == null ? Double.NaN : now.config().gateway().maxConnections();
    }

}
