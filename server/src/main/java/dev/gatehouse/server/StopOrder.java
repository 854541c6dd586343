package dev.gatehouse.server;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;

/**
 * What a node has opened or started so far, to be stopped in reverse: each part stops before the parts it was
 * built on, and a node that fails half-way through its start stops exactly what it had started.
 */
final class StopOrder {
    private record Started(String name, AutoCloseable stop) {
    }

    private final Deque<Started> started = new ArrayDeque<>();

    /** Adds a part that is now running, to stop before every part added earlier; returns it. */
    synchronized <T extends AutoCloseable> T push(String name, T part) {
        started.push(new Started(name, Objects.requireNonNull(part, name)));
        return part;
    }

    /**
     * Stops every part added, the last first, and forgets them (stopping again stops nothing). A part that
     * fails to stop does not keep the others running: the first failure is thrown once all have been tried,
     * with the later ones suppressed in it.
     */
    synchronized void stopAll() {
        RuntimeException failed = null;
        while (!started.isEmpty()) {
            Started part = started.pop();
            try {
                part.stop().close();
            } catch (Exception e) {
                RuntimeException failure = e instanceof RuntimeException r ? r : new IllegalStateException("could not stop " + part.name() + ": " + e.getMessage(), e);
                if (failed == null) {
                    failed = failure;
                } else {
                    failed.addSuppressed(failure);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }
}
