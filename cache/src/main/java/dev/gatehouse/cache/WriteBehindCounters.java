package dev.gatehouse.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Write-behind counters: increments land in process memory (a map update, no I/O) and reach the store in
 * batches, every {@code flushInterval} or as soon as {@code flushAt} increments wait, whichever comes first.
 * One flush runs at a time; a batch the store refuses is put back and tried with the next.
 *
 * <p>What it gives up: a process that dies loses the increments not yet written ({@link #unwritten}: those waiting
 * in memory and a batch being written) — while the store keeps up, fewer than {@code flushAt} plus one batch, and
 * at most a flush interval's; while the store is slow or down, everything counted since it last took a batch.
 * Readers of the store see counts up to an interval late. Memory is bounded by {@code maxKeys} distinct keys
 * waiting; an increment of a new key past it is dropped and counted (it is not stored anywhere else).
 */
public final class WriteBehindCounters<K> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WriteBehindCounters.class);

    /** Where batches go: all of it written, or the future fails and nothing of it counts. */
    public interface Sink<K> {
        Future<Void> write(Map<K, Long> batch);
    }

    /**
     * @param name names the counters in metrics
     * @param flushInterval the longest an increment waits in memory while the store answers
     * @param flushAt a flush starts as soon as this many increments wait
     * @param maxKeys distinct keys that may wait; past it, increments of new keys are dropped
     */
    public record Options(String name, Duration flushInterval, long flushAt, int maxKeys) {
        public Options {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("write-behind counters need a name");
            }
            if (flushInterval.toMillis() < 1) {
                throw new IllegalArgumentException("flushInterval must be at least 1ms, got " + flushInterval);
            }
            if (flushAt < 1) {
                throw new IllegalArgumentException("flushAt must be at least 1, got " + flushAt);
            }
            if (maxKeys < 1) {
                throw new IllegalArgumentException("maxKeys must be at least 1, got " + maxKeys);
            }
        }
    }

    private final Options options;
    private final Sink<K> sink;
    private final Context context;
    private final Vertx vertx;
    private final ConcurrentHashMap<K, Long> pending = new ConcurrentHashMap<>();
    /** Increments in the map, waiting for a flush (what starts one at flushAt). */
    private final AtomicLong waiting = new AtomicLong();
    /** Increments not yet in the store: waiting plus a batch being written (what a crash would lose). */
    private final AtomicLong unwritten = new AtomicLong();
    private final long timer;
    private final Counter flushed;
    private final Counter dropped;
    private final Counter failures;
    private Future<Long> last = Future.succeededFuture(0L);
    private volatile boolean flushQueued;

    public WriteBehindCounters(Vertx vertx, Options options, Sink<K> sink, MeterRegistry meters) {
        this.vertx = vertx;
        this.options = options;
        this.sink = sink;
        this.context = vertx.getOrCreateContext();
        String name = options.name();
        Gauge.builder("gatehouse.cache.writebehind.pending", unwritten, AtomicLong::get).tag("counters", name)
                .description("Increments counted in memory and not yet in the store, a batch being written included (a crash loses these)")
                .register(meters);
        Gauge.builder("gatehouse.cache.writebehind.keys", pending, Map::size).tag("counters", name)
                .description("Distinct keys waiting to be flushed (bounded by maxKeys)").register(meters);
        this.flushed = Counter.builder("gatehouse.cache.writebehind.flushed").tag("counters", name)
                .description("Increments written to the store").register(meters);
        this.dropped = Counter.builder("gatehouse.cache.writebehind.dropped").tag("counters", name)
                .description("Increments dropped because maxKeys distinct keys were already waiting").register(meters);
        this.failures = Counter.builder("gatehouse.cache.writebehind.flush.failures").tag("counters", name)
                .description("Flushes the store refused (their batch waits for the next)").register(meters);
        this.timer = vertx.setPeriodic(options.flushInterval().toMillis(), id -> flush());
    }

    /** Adds {@code by} to {@code key}; false when it was dropped (maxKeys distinct keys already waiting). */
    public boolean add(K key, long by) {
        if (pending.size() >= options.maxKeys() && !pending.containsKey(key)) {
            dropped.increment(by);
            return false;
        }
        pending.merge(key, by, Long::sum);
        unwritten.addAndGet(by);
        if (waiting.addAndGet(by) >= options.flushAt() && !flushQueued) {
            flushQueued = true;
            context.runOnContext(v -> flush());
        }
        return true;
    }

    public boolean increment(K key) {
        return add(key, 1);
    }

    /** Increments not yet in the store (waiting, or in a batch being written): what a crash would lose now. */
    public long unwritten() {
        return unwritten.get();
    }

    /**
     * Writes everything counted before this call (after a flush already running); completes with how many
     * increments this flush wrote, or fails when the store refused them (they wait for the next).
     */
    public synchronized Future<Long> flush() {
        last = last.transform(previous -> drainAndWrite());
        return last;
    }

    private Future<Long> drainAndWrite() {
        flushQueued = false;
        Map<K, Long> batch = new HashMap<>();
        long total = 0;
        for (K key : pending.keySet()) {
            Long count = pending.remove(key);
            if (count != null) {
                batch.put(key, count);
                total += count;
            }
        }
        waiting.addAndGet(-total);
        if (batch.isEmpty()) {
            return Future.succeededFuture(0L);
        }
        long written = total;
        Future<Void> write;
        try {
            write = sink.write(batch);
        } catch (RuntimeException e) {
            write = Future.failedFuture(e);
        }
        return write.map(v -> {
            unwritten.addAndGet(-written);
            flushed.increment(written);
            return written;
        }).onFailure(error -> {
            failures.increment();
            log.warn("could not flush {} counted increments of {} ({}); they wait for the next flush", written, options.name(), error.getMessage());
            // back among the waiting ones (past maxKeys too: they are counted already, and bounded by the keys there were)
            batch.forEach((key, count) -> {
                pending.merge(key, count, Long::sum);
                waiting.addAndGet(count);
            });
        });
    }

    /** Stops the timer and flushes what waits (a clean stop loses nothing the store takes). */
    @Override
    public void close() {
        vertx.cancelTimer(timer);
    }

    /** {@link #close} and a last flush. */
    public Future<Long> closeAndFlush() {
        close();
        return flush();
    }
}
