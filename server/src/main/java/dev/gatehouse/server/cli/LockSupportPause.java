package dev.gatehouse.server.cli;

import java.time.Duration;

/** Waiting in the demo's own supervisor threads (never on an event loop). */
final class LockSupportPause {

    private LockSupportPause() {
    }

    /** Waits; returns false if the thread was interrupted (time to stop). */
    static boolean pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
