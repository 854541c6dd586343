package dev.gatehouse.server.jobs;

import dev.gatehouse.server.store.PgListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wakes idle workers when jobs come: a {@link PgListener} on {@link PgJobQueue#CHANNEL}, whose every notice wakes its
 * queue's workers on this node.
 * Workers also look every {@code pollInterval} on their own, so a lost connection only slows them down; it is opened
 * again, and every queue is woken once it is.
 */
final class JobWakeups implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobWakeups.class);

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

    private final Map<String, Signal> signals = new ConcurrentHashMap<>();
    private final PgListener listener;
    private boolean reported;

    JobWakeups(PgListener.Connections connections) {
        this.listener = new PgListener(connections, PgJobQueue.CHANNEL, "gatehouse-job-wakeups", 500, 500, 5_000, new PgListener.Handler() {
            @Override
            public void connected() {
                if (reported) {
                    log.info("listening for new jobs again");
                    reported = false;
                }
                signals.values().forEach(Signal::wake); // what came while no one listened
            }

            @Override
            public void notice(String queue) {
                Signal signal = signals.get(queue);
                if (signal != null) {
                    signal.wake();
                }
            }

            @Override
            public void lost(Exception cause, long retryMillis) {
                if (!reported) {
                    log.warn("cannot listen for new jobs ({}); workers look for them every pollInterval until it can", cause.getMessage());
                    reported = true;
                }
            }
        });
    }

    Signal signal(String queue) {
        return signals.computeIfAbsent(queue, q -> new Signal());
    }

    void start() {
        listener.start();
    }

    /** Whether the LISTEN connection is up. */
    boolean listening() {
        return listener.listening();
    }

    @Override
    public void close() {
        listener.close();
        try {
            listener.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        signals.values().forEach(Signal::wake);
    }
}
