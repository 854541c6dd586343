package dev.gatehouse.core.time;

/** A source of monotonic time in nanoseconds; injected everywhere time matters so tests can drive it. */
@FunctionalInterface
public interface Ticker {

    /** Nanoseconds from an arbitrary origin; only differences are meaningful. */
    long read();

    /** The system's monotonic clock. */
    static Ticker system() {
        return System::nanoTime;
    }
}
