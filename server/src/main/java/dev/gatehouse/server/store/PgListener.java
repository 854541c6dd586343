package dev.gatehouse.server.store;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One PostgreSQL {@code LISTEN} kept open on a thread of its own, on a connection outside the pool (held forever, a
 * pooled one would shrink the pool; {@link Database#openListenConnection} goes past a transaction pooler, where a
 * LISTEN hears nothing). It connects again after any failure, backing off, and tells its {@link Handler} each time it
 * is heard from anew (what was said meanwhile went unheard), hands it each notice, and lets it work between polls.
 * The identity change feed, the jobs' wake-ups and the dashboard's cluster figures each run one.
 */
public final class PgListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PgListener.class);

    /** Opens the connection to listen on. */
    @FunctionalInterface
    public interface Connections {
        Connection open() throws SQLException;
    }

    /** What to do with the channel; called on the listener's thread, one call at a time. */
    public interface Handler {
        /** The channel is heard from now on, after a start or a lost connection: notices sent before may be missed. */
        default void connected() {
        }

        /** One notice. A failure is logged and the listener goes on; a handler that must react catches it itself. */
        void notice(String payload) throws Exception;

        /** Before each poll (at most the poll interval apart): the handler's own work; false stops the listener. */
        default boolean between() {
            return true;
        }

        /** The connection failed or could not be opened; the listener tries again in {@code retryMillis}. */
        default void lost(Exception cause, long retryMillis) {
        }
    }

    private final Connections connections;
    private final String channel;
    private final long pollMillis;
    private final long minBackoffMillis;
    private final long maxBackoffMillis;
    private final Handler handler;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean listening;

    /**
     * @param pollMillis the longest a poll waits for notices, so the longest between two {@link Handler#between} calls
     */
    public PgListener(Connections connections, String channel, String threadName, long pollMillis, long minBackoffMillis,
                      long maxBackoffMillis, Handler handler) {
        this.connections = connections;
        this.channel = channel;
        this.pollMillis = pollMillis;
        this.minBackoffMillis = minBackoffMillis;
        this.maxBackoffMillis = maxBackoffMillis;
        this.handler = handler;
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Whether the LISTEN connection is up now. */
    public boolean listening() {
        return listening;
    }

    /** Whether the caller is this listener's thread (a handler asking about itself). */
    public boolean onItsThread() {
        return Thread.currentThread() == thread;
    }

    private void run() {
        long backoff = minBackoffMillis;
        while (running) {
            try (Connection c = connections.open(); Statement s = c.createStatement()) {
                s.execute("LISTEN " + channel);
                PGConnection pg = c.unwrap(PGConnection.class);
                listening = true;
                backoff = minBackoffMillis;
                handler.connected();
                while (running) {
                    if (!handler.between()) {
                        running = false;
                        break;
                    }
                    PGNotification[] notices = pg.getNotifications((int) pollMillis);
                    if (notices == null) {
                        continue;
                    }
                    for (PGNotification notice : notices) {
                        try {
                            handler.notice(notice.getParameter());
                        } catch (Exception e) {
                            log.debug("a notice on {} was not taken: {}", channel, e.getMessage());
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                listening = false;
                if (!running) {
                    return;
                }
                handler.lost(e, backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff = Math.min(backoff * 2, maxBackoffMillis);
            } finally {
                listening = false;
            }
        }
    }

    /** Stops listening: the thread lets its connection go once its poll returns. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }

    /** Waits up to {@code millis} for the thread to end after {@link #close}. */
    public void join(long millis) throws InterruptedException {
        thread.join(millis);
    }
}
