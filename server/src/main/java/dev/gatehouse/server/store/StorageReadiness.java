package dev.gatehouse.server.store;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether PostgreSQL answers, as {@code /health/ready} reports it: pinged every 2 seconds off the event loops
 * once started; a change either way is logged once.
 */
public final class StorageReadiness implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StorageReadiness.class);
    private static final long INTERVAL_MILLIS = 2000;
    private static final int PING_TIMEOUT_SECONDS = 2;

    private final Vertx vertx;
    private final Database database;
    private final AtomicBoolean ready = new AtomicBoolean(true);
    private long timer = -1;

    public StorageReadiness(Vertx vertx, Database database) {
        this.vertx = vertx;
        this.database = database;
    }

    /** Whether the last ping was answered; true until the first one fails. */
    public boolean ready() {
        return ready.get();
    }

    /** Pings every 2 seconds until {@link #close}. */
    public synchronized void start() {
        if (timer < 0) {
            timer = vertx.setPeriodic(INTERVAL_MILLIS, id -> vertx.executeBlocking(() -> database.ping(PING_TIMEOUT_SECONDS), false)
                    .onComplete(r -> update(r.succeeded() && r.result())));
        }
    }

    private void update(boolean now) {
        if (ready.getAndSet(now) != now) {
            if (now) {
                log.info("storage reachable again; node is ready");
            } else {
                log.warn("storage unreachable; /health/ready reports DOWN");
            }
        }
    }

    @Override
    public synchronized void close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }
}
