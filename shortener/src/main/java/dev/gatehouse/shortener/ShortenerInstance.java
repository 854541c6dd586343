package dev.gatehouse.shortener;

import dev.gatehouse.core.time.Clock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;

import java.sql.SQLException;

/**
 * One running shortener: its Vert.x, database pool, {@link Shortener} and HTTP listener, started in that order
 * and stopped in reverse. What {@link ShortenerMain} runs and what tests start (several per JVM, each its own).
 */
public final class ShortenerInstance implements AutoCloseable {

    /**
     * @param redisUrl Redis (shared cache level, invalidations, purge lock), or null for an instance on its own
     * @param eventLoops event loops serving HTTP (the listener runs one instance per loop)
     */
    public record Options(String host, int port, String instanceId, String jdbcUrl, String redisUrl, String keyPrefix, int eventLoops,
                          ShortenerSettings settings, Clock clock, SnowflakeIds.Pause pause) {
    }

    private final Vertx vertx;
    private final ShortenerDatabase db;
    private final Shortener shortener;
    private final PrometheusMeterRegistry meters;
    private final int port;
    private boolean closed;

    private ShortenerInstance(Vertx vertx, ShortenerDatabase db, Shortener shortener, PrometheusMeterRegistry meters, int port) {
        this.vertx = vertx;
        this.db = db;
        this.shortener = shortener;
        this.meters = meters;
        this.port = port;
    }

    /** Starts an instance; blocks until it listens. */
    public static ShortenerInstance start(Options options) throws SQLException {
        Transport transport = Transport.EPOLL != null && Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO;
        Vertx vertx = Vertx.builder().with(new VertxOptions().setEventLoopPoolSize(Math.max(1, options.eventLoops())).setDisableTCCL(true))
                .withTransport(transport).build();
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ShortenerDatabase db = null;
        Shortener shortener = null;
        try {
            db = new ShortenerDatabase(options.jdbcUrl(), 8, meters);
            shortener = Shortener.start(vertx, db, options.redisUrl(), options.keyPrefix(), options.instanceId(), options.settings(),
                    options.clock(), options.pause(), meters);
            ShortenerDatabase database = db;
            int port = ShortenerHttp.listen(vertx, shortener, meters::scrape, database::ping, options.host(), options.port(),
                    Math.max(1, options.eventLoops())).toCompletionStage().toCompletableFuture().join();
            return new ShortenerInstance(vertx, db, shortener, meters, port);
        } catch (RuntimeException | SQLException e) {
            if (shortener != null) {
                shortener.close();
            }
            if (db != null) {
                db.close();
            }
            vertx.close().toCompletionStage().toCompletableFuture().join();
            throw e;
        }
    }

    public int port() {
        return port;
    }

    public Shortener shortener() {
        return shortener;
    }

    public Vertx vertx() {
        return vertx;
    }

    public String scrape() {
        return meters.scrape();
    }

    /** Stops listening, flushes clicks, releases the node id, closes the pool. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            vertx.deploymentIDs().forEach(id -> vertx.undeploy(id).toCompletionStage().toCompletableFuture().join());
        } catch (RuntimeException ignored) {
            // already stopping
        }
        shortener.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
        db.close();
    }

    /** The system's way of pausing: parks the thread (the clock is the system's). */
    public static final SnowflakeIds.Pause PARK = d -> java.util.concurrent.locks.LockSupport.parkNanos(Math.max(1, d.toNanos()));
}
