package dev.gatehouse.cache;

import dev.gatehouse.core.time.Ticker;

/**
 * The caches' time: the injected monotonic {@link Ticker} for local expiry, and wall-clock milliseconds
 * derived from it (anchored once) for what is shared through Redis, so entries written by one node are
 * aged correctly by another and a test's manual ticker moves both.
 */
public final class CacheClock {
    private final Ticker ticker;
    private final long anchorTicks;
    private final long anchorEpochMillis;

    public CacheClock(Ticker ticker, long epochMillisNow) {
        this.ticker = ticker;
        this.anchorTicks = ticker.read();
        this.anchorEpochMillis = epochMillisNow;
    }

    /** The system ticker, anchored to the system's wall clock. */
    public static CacheClock system() {
        return new CacheClock(Ticker.system(), System.currentTimeMillis());
    }

    public Ticker ticker() {
        return ticker;
    }

    public long nanos() {
        return ticker.read();
    }

    public long epochMillis() {
        return anchorEpochMillis + (ticker.read() - anchorTicks) / 1_000_000L;
    }
}
