package dev.gatehouse.cache;

import dev.gatehouse.redis.KeySlot;
import dev.gatehouse.redis.RedisBreaker;
import dev.gatehouse.redis.RedisGuard;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared (L2) level of the caches: byte values in Redis under one key prefix, plus index sets for
 * purging by path or tag. Every call has a short timeout and passes a breaker, and a failure reads as
 * a miss (or a skipped write): a cache never makes a request wait on a dead Redis, and recovers by itself.
 */
public final class RedisLevel {
    private static final Logger log = LoggerFactory.getLogger(RedisLevel.class);
    private static final int DELETE_BATCH = 500;
    /** One SCAN step on the master of KEYS[1] (which it does not touch). */
    private static final String SCAN_THERE = "return redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', 1000)";

    private final Redis redis;
    private final String prefix;
    private final RedisGuard guard;
    private final Counter errors;
    private final boolean cluster;

    /**
     * @param prefix put before every key, e.g. {@code gh:cache:}; clearing deletes only keys under it
     * @param timeout the longest a call may wait before it counts as a miss (or a skipped write)
     */
    public RedisLevel(Redis redis, String prefix, Duration timeout, MeterRegistry meters) {
        this(redis, prefix, timeout, meters, System::nanoTime);
    }

    /** @param nanoTime the monotonic clock its breaker measures calls and its open wait by */
    public RedisLevel(Redis redis, String prefix, Duration timeout, MeterRegistry meters, LongSupplier nanoTime) {
        this(redis, false, prefix, timeout, meters, nanoTime);
    }

    /**
     * @param cluster whether {@code redis} is a Redis Cluster: a cluster refuses a command whose keys span
     *                slots, so deletes go out one command per slot (about one per key: entries spread over
     *                the cluster) instead of {@value #DELETE_BATCH} keys at a time
     */
    public RedisLevel(Redis redis, boolean cluster, String prefix, Duration timeout, MeterRegistry meters, LongSupplier nanoTime) {
        this.redis = redis;
        this.cluster = cluster;
        this.prefix = prefix;
        RedisBreaker breaker = new RedisBreaker("redis-cache", log, "Redis cache level unavailable ({}); serving from process memory only",
                "Redis cache level recovered", nanoTime);
        this.guard = new RedisGuard(breaker, timeout);
        this.errors = Counter.builder("gatehouse.cache.l2.errors")
                .description("Redis cache calls that failed or timed out (each read as a miss or a skipped write)").register(meters);
        Gauge.builder("gatehouse.cache.l2.available", breaker, b -> b.available() ? 1 : 0)
                .description("1 while the Redis cache level answers; 0 while its breaker is open").register(meters);
    }

    /** False while the breaker is open. */
    public boolean available() {
        return guard.breaker().available();
    }

    /** The bytes under {@code key}, or null when absent or when Redis did not answer (failed, too slow, or its breaker open). */
    public Future<Buffer> get(String key) {
        return call(Request.cmd(Command.GET).arg(prefix + key)).map(r -> r == null ? null : r.toBuffer());
    }

    /** Stores {@code value} for {@code ttl}; a failure is counted and otherwise ignored. */
    public Future<Void> set(String key, Buffer value, Duration ttl) {
        return call(Request.cmd(Command.SET).arg(prefix + key).arg(value).arg("PX").arg(Math.max(1, ttl.toMillis()))).mapEmpty();
    }

    /**
     * Adds {@code member} to the index set {@code index} and resets the set's expiry to {@code ttl}: pass
     * the longest any member can live, so the set never expires before an entry it names.
     */
    public Future<Void> index(String index, String member, Duration ttl) {
        String key = prefix + index;
        return call(Request.cmd(Command.SADD).arg(key).arg(member))
                .compose(r -> call(Request.cmd(Command.PEXPIRE).arg(key).arg(Math.max(1, ttl.toMillis()))))
                .mapEmpty();
    }

    /** The members of an index set (empty when absent or unreachable). */
    public Future<List<String>> members(String index) {
        return call(Request.cmd(Command.SMEMBERS).arg(prefix + index)).map(r -> {
            List<String> out = new ArrayList<>();
            if (r != null) {
                r.forEach(m -> out.add(m.toString()));
            }
            return out;
        });
    }

    /** Deletes these keys (without the prefix); completes with how many existed. */
    public Future<Integer> delete(Collection<String> keys) {
        if (keys.isEmpty()) {
            return Future.succeededFuture(0);
        }
        List<Future<Response>> calls = new ArrayList<>();
        if (cluster) {
            Map<Integer, Request> bySlot = new HashMap<>();
            for (String key : keys) {
                String full = prefix + key;
                bySlot.computeIfAbsent(KeySlot.of(full), slot -> Request.cmd(Command.UNLINK)).arg(full);
            }
            bySlot.values().forEach(request -> calls.add(call(request)));
        } else {
            Request request = null;
            int inRequest = 0;
            for (String key : keys) {
                if (request == null) {
                    request = Request.cmd(Command.UNLINK);
                }
                request.arg(prefix + key);
                if (++inRequest == DELETE_BATCH) {
                    calls.add(call(request));
                    request = null;
                    inRequest = 0;
                }
            }
            if (request != null) {
                calls.add(call(request));
            }
        }
        return Future.all(calls).map(all -> {
            int deleted = 0;
            for (int i = 0; i < all.size(); i++) {
                Response r = all.resultAt(i);
                deleted += r == null ? 0 : r.toInteger();
            }
            return deleted;
        });
    }

    /**
     * Keys (without the prefix) whose name after the prefix matches the glob {@code pattern}. Admin use only.
     * A cluster's SCAN covers only the node it runs on, so there every master is scanned, each by a script
     * whose one key falls in a slot of that master (so the cluster client routes it there).
     */
    public Future<List<String>> scan(String pattern) {
        List<String> found = Collections.synchronizedList(new ArrayList<>());
        if (!cluster) {
            return scan("0", prefix + pattern, found, null).map(v -> found);
        }
        return call(Request.cmd(Command.CLUSTER).arg("SLOTS")).compose(ranges -> {
            if (ranges == null) {
                return Future.succeededFuture();
            }
            Map<String, Integer> slotOfMaster = new LinkedHashMap<>();
            for (Response range : ranges) {
                Response master = range.get(2);
                slotOfMaster.putIfAbsent(master.get(0) + ":" + master.get(1), range.get(0).toInteger());
            }
            List<Future<Void>> masters = new ArrayList<>();
            slotOfMaster.values().forEach(slot -> masters.add(scan("0", prefix + pattern, found, KeySlot.keyIn(slot))));
            return Future.all(masters).mapEmpty();
        }).map(v -> found);
    }

    /** @param onMasterOf null: SCAN on the one server; else a key whose master the scan runs on */
    private Future<Void> scan(String cursor, String pattern, List<String> found, String onMasterOf) {
        Request request = onMasterOf == null
                ? Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(1000)
                : Request.cmd(Command.EVAL).arg(SCAN_THERE).arg(1).arg(onMasterOf).arg(cursor).arg(pattern);
        return call(request).compose(r -> {
            if (r == null) {
                return Future.succeededFuture();
            }
            r.get(1).forEach(k -> found.add(k.toString().substring(prefix.length())));
            String next = r.get(0).toString();
            return next.equals("0") ? Future.succeededFuture() : scan(next, pattern, found, onMasterOf);
        });
    }

    /**
     * Runs {@code script} with these keys (without the prefix: it is added here) and arguments, guarded like
     * every call: null when the breaker is open, Redis fails or the timeout passes (and for a nil reply).
     */
    public Future<Response> run(RedisScript script, List<String> keys, List<?> args) {
        List<String> prefixed = keys.stream().map(k -> prefix + k).toList();
        return guard.call(() -> script.run(redis::send, prefixed, args), reply -> reply, () -> Future.succeededFuture(null))
                .otherwise(error -> {
                    errors.increment();
                    return null;
                });
    }

    /** The key prefix every key of this level is stored under. */
    public String prefix() {
        return prefix;
    }

    /** Escapes glob characters so {@code text} matches only itself in {@link #scan}. */
    public static String globEscape(String text) {
        return text.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }

    /** One guarded call: null (never a failure) when the breaker is open, Redis fails, or the timeout passes. */
    private Future<Response> call(Request request) {
        return guard.call(() -> redis.send(request), reply -> reply, () -> Future.succeededFuture(null)).otherwise(error -> {
            errors.increment();
            return null;
        });
    }
}
