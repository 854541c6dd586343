package dev.gatehouse.server.jobs;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wakes idle workers when jobs come: a thread of its own holds one connection to PostgreSQL that LISTENs on
 * {@link PgJobQueue#CHANNEL} (outside the pool: a pooler in transaction mode cannot keep a LISTEN, so
 * {@code storage.postgres.listenUrl} may name the server directly), and every notice wakes its queue's workers on this node.
 * Workers also look every {@code pollInterval} on their own, so a lost connection only slows them down; it is opened
 * again, and every queue is woken once it is.
 */
final class JobWakeups implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobWakeups.class);

    /** Opens the connection to listen on. */
    @FunctionalInterface
    interface Connections {
        Connection open() throws SQLException;
    }

    /** Where a queue's idle workers wait to be woken. */
    static final class Signal {
        private long generation;

        /** How many times the queue was woken so far: read it before looking for jobs, and pass it to {@link #await}. */
        synchronized long generation() {
            return generation;
        }

        /** Waits until woken after {@code seen} (at once if it already was) or {@code most} has passed. */
        synchronized void await(long seen, Duration most) throws InterruptedException {
            if (generation == seen && most.toMillis() > 0) {
                wait(most.toMillis());
            }
        }

        synchronized void wake() {
            generation++;
            notifyAll();
        }
    }

    private final Connections connections;
    private final Map<String, Signal> signals = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean listening;

    JobWakeups(Connections connections) {
        this.connections = connections;
        this.thread = new Thread(this::run, "gatehouse-job-wakeups");
        this.thread.setDaemon(true);
    }

    Signal signal(String queue) {
        return signals.computeIfAbsent(queue, q -> new Signal());
    }

    void start() {
        thread.start();
    }

    /** Whether the LISTEN connection is up. */
    boolean listening() {
        return listening;
    }

    private void run() {
        long backoff = 500;
        boolean reported = false;
        while (running) {
            try (Connection c = connections.open(); Statement s = c.createStatement()) {
                s.execute("LISTEN " + PgJobQueue.CHANNEL);
                PGConnection pg = c.unwrap(PGConnection.class);
                listening = true;
                if (reported) {
                    log.info("listening for new jobs again");
                    reported = false;
                }
                backoff = 500;
                signals.values().forEach(Signal::wake); // what came while no one listened
                while (running) {
                    PGNotification[] notices = pg.getNotifications(500);
                    if (notices != null) {
                        for (PGNotification notice : notices) {
                            Signal signal = signals.get(notice.getParameter());
                            if (signal != null) {
                                signal.wake();
                            }
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                listening = false;
                if (!running) {
                    return;
                }
                if (!reported) {
                    log.warn("cannot listen for new jobs ({}); workers look for them every pollInterval until it can", e.getMessage());
                    reported = true;
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        signals.values().forEach(Signal::wake);
    }
}
