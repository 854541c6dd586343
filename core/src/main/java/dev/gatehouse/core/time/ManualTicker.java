package dev.gatehouse.core.time;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that only moves when told to, monotonic and wall time together: for tests and simulations. Its
 * wall time starts at the system's when it is made.
 */
public final class ManualTicker implements Clock {
    private final AtomicLong nanos = new AtomicLong();
    private final long startMillis = System.currentTimeMillis();

    @Override
    public long read() {
        return nanos.get();
    }

    @Override
    public long epochMillis() {
        return startMillis + nanos.get() / 1_000_000L;
    }

    @Override
    public long epochMicros() {
        return startMillis * 1000L + nanos.get() / 1000L;
    }

    public void advance(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("time only moves forward, got " + by);
        }
        nanos.addAndGet(by.toNanos());
    }
}
