package dev.gatehouse.cache;

import dev.gatehouse.core.time.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * A lock in Redis for work that must run on one node at a time, with <b>fencing tokens</b>: every acquisition
 * gets a number larger than any before it for that lock, and the work passes its token to what it writes to
 * (a database row holding the newest token seen), which refuses a smaller one. A holder that lost its lock
 * without knowing — paused by GC past the lock's expiry, cut off from Redis — can then no longer write after
 * the next holder started: the lock alone (SET NX PX) cannot promise that, the token can.
 *
 * <p>Tokens come from a counter next to the lock, raised to at least the acquirer's wall-clock milliseconds, so
 * they keep growing even if Redis loses the counter (a restart without persistence) as long as clocks do not
 * go back by more than the time between two acquisitions. What it gives up: Redis is a single point (no
 * Redlock), so the lock is for efficiency and the fence for correctness; while Redis is unreachable nobody
 * acquires and the work waits.
 */
public final class RedisLock {

    /** A held lock: its name, this holder's value, its fencing token, and when it lapses by this node's clock. */
    public record Lease(String name, String value, long token, long expiresAtNanos) {
    }

    /** Sets the lock when free, with a token above both the counter and the caller's floor; the token, or 0. */
    private static final RedisScript ACQUIRE = new RedisScript("""
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            local token = redis.call('INCR', KEYS[2])
            local floor = tonumber(ARGV[2])
            if token < floor then
              token = floor
              redis.call('SET', KEYS[2], token)
            end
            redis.call('SET', KEYS[1], ARGV[1] .. ':' .. token, 'PX', ARGV[3])
            return token
            """);
    /** Extends the lock if this holder still has it; 1 or 0. */
    private static final RedisScript RENEW = new RedisScript("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return 0
            """);
    /** Deletes the lock if this holder still has it; 1 or 0. */
    private static final RedisScript RELEASE = new RedisScript("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """);

    private final RedisLevel redis;
    private final Clock clock;
    private final String holder = UUID.randomUUID().toString();
    private final Counter acquired;
    private final Counter busy;

    /** @param redis the guarded Redis calls (and the key prefix) the lock's keys live under */
    public RedisLock(RedisLevel redis, Clock clock, MeterRegistry meters) {
        this.redis = redis;
        this.clock = clock;
        this.acquired = Counter.builder("gatehouse.cache.lock.acquired").description("Redis locks this node acquired").register(meters);
        this.busy = Counter.builder("gatehouse.cache.lock.busy")
                .description("Attempts to take a Redis lock another node held (or Redis did not answer)").register(meters);
    }

    /**
     * Takes lock {@code name} for {@code ttl} if nobody holds it: the lease, or null when another node holds it
     * or Redis did not answer. Never fails.
     */
    public Future<Lease> tryAcquire(String name, Duration ttl) {
        long started = clock.read();
        return redis.run(ACQUIRE, List.of(lockKey(name), tokenKey(name)), List.of(holder, clock.epochMillis(), Math.max(1, ttl.toMillis())))
                .map(reply -> {
                    long token = reply == null ? 0 : reply.toLong();
                    if (token <= 0) {
                        busy.increment();
                        return null;
                    }
                    acquired.increment();
                    // measured from before the call: the lock may have been set at any point during it
                    return new Lease(name, holder + ":" + token, token, started + ttl.toNanos());
                });
    }

    /** Extends {@code lease} by {@code ttl}: the new lease, or null when it was lost (expired and taken, or Redis failed). */
    public Future<Lease> renew(Lease lease, Duration ttl) {
        long started = clock.read();
        return redis.run(RENEW, List.of(lockKey(lease.name())), List.of(lease.value(), Math.max(1, ttl.toMillis())))
                .map(reply -> reply != null && reply.toLong() == 1
                        ? new Lease(lease.name(), lease.value(), lease.token(), started + ttl.toNanos()) : null);
    }

    /** Lets go of {@code lease} if still held; true when it was. */
    public Future<Boolean> release(Lease lease) {
        return redis.run(RELEASE, List.of(lockKey(lease.name())), List.of(lease.value())).map(reply -> reply != null && reply.toLong() == 1);
    }

    /** Whether {@code lease} is still within its time by this node's clock (a lease past it must not start new work). */
    public boolean valid(Lease lease) {
        return clock.read() - lease.expiresAtNanos() < 0;
    }

    private static String lockKey(String name) {
        return "lock:" + name;
    }

    private static String tokenKey(String name) {
        return "lock-token:" + name;
    }
}
