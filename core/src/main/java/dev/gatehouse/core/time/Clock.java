package dev.gatehouse.core.time;

import java.time.Instant;

/**
 * The one source of time: monotonic nanoseconds ({@link #read}) for durations, deadlines and expiry in
 * process, and wall time ({@link #epochMillis}) for what is stored, shared or shown. Injected everywhere time
 * matters, so a test moves both at once with {@link ManualTicker}.
 */
public interface Clock extends Ticker {

    /** Milliseconds since the epoch, as this clock sees them. */
    long epochMillis();

    /** {@link #epochMillis} as an instant. */
    default Instant instant() {
        return Instant.ofEpochMilli(epochMillis());
    }

    /** Microseconds since the epoch (what in-process rate limiting counts in); at least millisecond precision. */
    default long epochMicros() {
        return epochMillis() * 1000L;
    }

    /** The system's clocks. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }

    /**
     * {@code ticker} as a clock: itself when it is one, else a clock whose wall time is the system's now,
     * moving on with the ticker from here.
     */
    static Clock of(Ticker ticker) {
        if (ticker instanceof Clock clock) {
            return clock;
        }
        long anchorTicks = ticker.read();
        long anchorMicros = system().epochMicros();
        return new Clock() {
            @Override
            public long read() {
                return ticker.read();
            }

            @Override
            public long epochMillis() {
                return epochMicros() / 1000L;
            }

            @Override
            public long epochMicros() {
                return anchorMicros + (ticker.read() - anchorTicks) / 1000L;
            }
        };
    }

    /** The system's monotonic and wall clocks. */
    final class SystemClock implements Clock {
        static final SystemClock INSTANCE = new SystemClock();

        private SystemClock() {
        }

        @Override
        public long read() {
            return System.nanoTime();
        }

        @Override
        public long epochMillis() {
            return System.currentTimeMillis();
        }

        @Override
        public Instant instant() {
            return Instant.now();
        }

        @Override
        public long epochMicros() {
            Instant now = Instant.now();
            return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
        }
    }
}
