package dev.gatehouse.server.observe;

import dev.gatehouse.server.store.Database;
import dev.gatehouse.server.store.PgListener;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The nodes' live samples shared through the PostgreSQL they all use, so a dashboard opened on one node can watch
 * another (whose admin listener is on its own loopback). Each node sends every sample it takes on a {@code NOTIFY}
 * channel: one short statement a second through the pool, skipped while the last is still under way. Only once a
 * stream here asks for another node does this node {@code LISTEN}, on a connection of its own outside the pool (to
 * {@code storage.postgres.listenUrl} when set), handing what it hears to {@link LiveStats}; it reconnects after a
 * failure, and lets the connection go once no stream has watched another node for {@link #IDLE}
 * ({@code gatehouse_admin_stats_listening} says whether it holds one).
 */
public final class ClusterStats implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterStats.class);
    static final String CHANNEL = "gatehouse_live_stats";
    /** PostgreSQL takes a payload under 8000 bytes; past this a sample goes without its routes. */
    static final int MAX_PAYLOAD = 7800;
    private static final long MAX_BACKOFF_MS = 5000;
    /** How long the connection is kept after the last stream watching another node ends. */
    static final java.time.Duration IDLE = java.time.Duration.ofMinutes(1);

    private final Vertx vertx;
    private final Database database;
    private final LiveStats stats;
    private final dev.gatehouse.core.time.Clock clock;
    private final AtomicBoolean sending = new AtomicBoolean();
    private PgListener listener;

    public ClusterStats(Vertx vertx, Database database, LiveStats stats, dev.gatehouse.core.time.Clock clock, io.micrometer.core.instrument.MeterRegistry meters) {
        this.vertx = vertx;
        this.database = database;
        this.stats = stats;
        this.clock = clock;
        io.micrometer.core.instrument.Gauge.builder("gatehouse.admin.stats.listening", this, c -> c.listening() ? 1 : 0)
                .description("1 while this node holds a connection hearing the other nodes' live samples").register(meters);
    }

    /** Whether this node hears the other nodes' samples now (and holds a connection for it). */
    public synchronized boolean listening() {
        return listener != null;
    }

    /** Sends each sample this node takes from now on. */
    public void start() {
        stats.sendEachSampleTo(this::send);
    }

    private void send(LiveStats.Sample sample) {
        if (!sending.compareAndSet(false, true)) {
            return; // the last one is still on its way: PostgreSQL is slow, and the next second will do
        }
        String full = sample.toJson(true).encode();
        String payload = full.length() <= MAX_PAYLOAD ? full : sample.toJson(false).encode();
        vertx.executeBlocking(() -> {
            try (Connection c = database.dataSource().getConnection(); PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                s.setString(1, CHANNEL);
                s.setString(2, payload);
                s.execute();
            }
            return null;
        }, false).onComplete(done -> {
            sending.set(false);
            if (done.failed()) {
                log.debug("could not share a live sample: {}", done.cause().getMessage());
            }
        });
    }

    /** Starts hearing the other nodes' samples, unless this node already does. */
    public synchronized void listen() {
        if (listener != null) {
            return;
        }
        listener = new PgListener(database::openListenConnection, CHANNEL, "gatehouse-live-stats", 500, 250, MAX_BACKOFF_MS,
                new PgListener.Handler() {
                    private long idleSince = clock.read();

                    @Override
                    public boolean between() {
                        if (stats.watchingOthers()) {
                            idleSince = clock.read();
                            return true;
                        }
                        return clock.read() - idleSince <= IDLE.toNanos() || !quitIfIdle();
                    }

                    @Override
                    public void notice(String payload) {
                        try {
                            stats.received(LiveStats.Sample.fromJson(new JsonObject(payload)));
                        } catch (RuntimeException e) {
                            log.debug("ignored a live sample that does not read: {}", e.getMessage());
                        }
                    }

                    @Override
                    public void lost(Exception cause, long retryMillis) {
                        log.debug("lost the live-stats channel ({}); listening again in {} ms", cause.getMessage(), retryMillis);
                    }
                });
        listener.start();
    }

    /** Lets the connection go unless a stream began to watch another node meanwhile; returns whether it did. */
    private synchronized boolean quitIfIdle() {
        if (stats.watchingOthers() || listener == null || !listener.onItsThread()) {
            return false;
        }
        listener = null;
        stats.forgetOthers();
        return true;
    }

    @Override
    public synchronized void close() {
        stats.sendEachSampleTo(null);
        if (listener != null) {
            listener.close();
            listener = null;
        }
    }
}
