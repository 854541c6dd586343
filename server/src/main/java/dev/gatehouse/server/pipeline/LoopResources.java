package dev.gatehouse.server.pipeline;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the requests of one event loop share: its deadlines, and what later stages keep per event loop
 * (an upstream client and its connection slots), by typed key, so that the pipeline does not depend on the
 * stages built on it. Touched only by its event loop.
 */
public final class LoopResources {

    /** A typed key for one kind of per-loop resource; declare it once, as a constant. */
    public static final class Key<T> {
        private static final AtomicInteger NEXT = new AtomicInteger();
        private final int id = NEXT.getAndIncrement();
        private final String name;

        public Key(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final Deadlines deadlines = new Deadlines();
    private Object[] values = new Object[4];

    public Deadlines deadlines() {
        return deadlines;
    }

    public <T> LoopResources put(Key<T> key, T value) {
        if (key.id >= values.length) {
            values = Arrays.copyOf(values, Math.max(key.id + 1, values.length * 2));
        }
        values[key.id] = value;
        return this;
    }

    /** The resource under {@code key}; fails loudly when the listener did not provide it (a wiring bug). */
    @SuppressWarnings("unchecked")
    public <T> T get(Key<T> key) {
        Object value = key.id < values.length ? values[key.id] : null;
        if (value == null) {
            throw new IllegalStateException("this event loop has no " + key);
        }
        return (T) value;
    }
}
