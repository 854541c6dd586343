package dev.gatehouse.server.observe;

import dev.gatehouse.server.store.Database;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
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
    private Thread listener;
    private volatile boolean running;

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
        running = true;
        listener = new Thread(this::hear, "gatehouse-live-stats");
        listener.setDaemon(true);
        listener.start();
    }

    private void hear() {
        long backoff = 250;
        long idleSince = clock.read();
        while (running) {
            try (Connection c = database.openListenConnection(); Statement s = c.createStatement()) {
                s.execute("LISTEN " + CHANNEL);
                backoff = 250;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notices = pg.getNotifications(500);
                    if (stats.watchingOthers()) {
                        idleSince = clock.read();
                    } else if (clock.read() - idleSince > IDLE.toNanos() && quitIfIdle()) {
                        return;
                    }
                    if (notices == null) {
                        continue;
                    }
                    for (PGNotification notice : notices) {
                        try {
                            stats.received(LiveStats.Sample.fromJson(new JsonObject(notice.getParameter())));
                        } catch (RuntimeException e) {
                            log.debug("ignored a live sample that does not read: {}", e.getMessage());
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    log.debug("lost the live-stats channel ({}); listening again in {} ms", e.getMessage(), backoff);
                    pause(backoff);
                    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
                }
            }
        }
    }

    /** Lets the connection go unless a stream began to watch another node meanwhile; returns whether it did. */
    private synchronized boolean quitIfIdle() {
        if (stats.watchingOthers() || listener != Thread.currentThread()) {
            return false;
        }
        listener = null;
        stats.forgetOthers();
        return true;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        stats.sendEachSampleTo(null);
        running = false;
        if (listener != null) {
            listener.interrupt();
            listener = null;
        }
    }
}
