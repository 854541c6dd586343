package dev.gatehouse.shortener;

import dev.gatehouse.core.time.Clock;

import java.time.Duration;

/**
 * Snowflake-style 64-bit ids: 41 bits of milliseconds since {@link #EPOCH_MILLIS}, 10 bits of node id (leased,
 * see {@link NodeLeases}, so no two running instances share one) and 12 bits of sequence (4 096 ids per node per
 * millisecond). Ids of one node strictly increase, so two nodes never make the same id.
 *
 * <p>When the wall clock steps back (NTP, a VM resumed) an id made now could repeat one made before the step.
 * The generator never does that: a step back of up to {@code maxBackwardWait} is <b>waited out</b> (the caller's
 * thread pauses until the clock passes the last id's millisecond); a longer one is <b>refused</b> with
 * {@link Unavailable} until the clock catches up. The same holds across holders of one node id: a new holder
 * starts after what the previous one may have issued ({@link #floor}). Ids past the node's lease are refused too.
 * Thread-safe; it may pause, so it is never called on an event loop.
 */
public final class SnowflakeIds {

    /** 2024-01-01T00:00:00Z: ids stay positive until 2093. */
    public static final long EPOCH_MILLIS = 1_704_067_200_000L;
    static final int NODE_BITS = 10;
    static final int SEQUENCE_BITS = 12;
    public static final int MAX_NODE = (1 << NODE_BITS) - 1;
    private static final long SEQUENCE_MASK = (1L << SEQUENCE_BITS) - 1;

    /** Why no id can be made now; {@code retryAfter} is how long until one can, as far as the generator knows. */
    public static final class Unavailable extends RuntimeException {
        private final transient Duration retryAfter;

        Unavailable(String message, Duration retryAfter) {
            super(message, null, false, false);
            this.retryAfter = retryAfter;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }

    /** How the generator waits for its clock: the system parks the thread; a test moves its clock. */
    public interface Pause {
        void pause(Duration duration);
    }

    private final Clock clock;
    private final Pause pause;
    private final long maxBackwardWaitMillis;
    private long node = -1;
    private long lastMillis;
    private long sequence;
    private long validUntilMillis;

    /** @param maxBackwardWait the longest step back of the clock the generator waits out; past it, it refuses */
    public SnowflakeIds(Clock clock, Pause pause, Duration maxBackwardWait) {
        this.clock = clock;
        this.pause = pause;
        this.maxBackwardWaitMillis = maxBackwardWait.toMillis();
    }

    /**
     * Starts issuing ids as {@code node}, none at or before {@code floorMillis} (the last millisecond a previous
     * holder of this node id may have used) and none after {@code validUntilMillis} (the lease's end).
     */
    public synchronized void assign(int node, long floorMillis, long validUntilMillis) {
        if (node < 0 || node > MAX_NODE) {
            throw new IllegalArgumentException("a node id is between 0 and " + MAX_NODE + ", got " + node);
        }
        this.node = node;
        this.lastMillis = Math.max(floorMillis, EPOCH_MILLIS);
        this.sequence = SEQUENCE_MASK; // the floor's millisecond is spent: the next id is in a later one
        this.validUntilMillis = validUntilMillis;
    }

    /** Moves the end of the lease (a renewal) or takes the node id away ({@code -1}: the lease was lost). */
    public synchronized void leaseUntil(long validUntilMillis) {
        this.validUntilMillis = validUntilMillis;
    }

    /** The last millisecond an id was made in: what the next holder of this node id must start after. */
    public synchronized long floor() {
        return lastMillis;
    }

    public synchronized int node() {
        return (int) node;
    }

    /** The next id; may pause (at most {@code maxBackwardWait} per step back, and a millisecond per full sequence). */
    public synchronized long next() {
        if (node < 0) {
            throw new Unavailable("this instance holds no node id yet (its lease from PostgreSQL is pending)", Duration.ofSeconds(1));
        }
        long now = clock.epochMillis();
        while (now < lastMillis || (now == lastMillis && sequence == SEQUENCE_MASK)) {
            long behind = lastMillis - now;
            if (behind > maxBackwardWaitMillis) {
                throw new Unavailable("the clock is " + behind + " ms behind the last id made here (it stepped back); ids are refused "
                        + "until it catches up, as waiting that long is past the limit of " + maxBackwardWaitMillis + " ms",
                        Duration.ofMillis(behind));
            }
            pause.pause(Duration.ofMillis(Math.max(1, behind)));
            now = clock.epochMillis();
        }
        if (now > validUntilMillis) {
            throw new Unavailable("this instance's node id lease has run out (PostgreSQL has not renewed it); ids are refused "
                    + "until it is renewed", Duration.ofSeconds(1));
        }
        sequence = now == lastMillis ? sequence + 1 : 0;
        lastMillis = now;
        return ((now - EPOCH_MILLIS) << (NODE_BITS + SEQUENCE_BITS)) | (node << SEQUENCE_BITS) | sequence;
    }

    /** The node id inside an id. */
    public static int nodeOf(long id) {
        return (int) ((id >>> SEQUENCE_BITS) & MAX_NODE);
    }

    /** The millisecond (since the Unix epoch) inside an id. */
    public static long millisOf(long id) {
        return (id >>> (NODE_BITS + SEQUENCE_BITS)) + EPOCH_MILLIS;
    }
}
