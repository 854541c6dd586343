package dev.gatehouse.server.logs;

import dev.gatehouse.core.config.LogsConfig;
import dev.gatehouse.core.time.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The request log's writer: rows offered from the event loops wait in a bounded queue ({@code logs.queue}) and one
 * thread of its own writes them to PostgreSQL in batches ({@code logs.batchRows} rows, or what came in
 * {@code logs.batchInterval}), each batch with its rollups and its node's shipping cursor in one transaction
 * ({@link RequestLogStore}). While PostgreSQL fails, batches go to the {@link LogSpool} on local disk, and are
 * replayed in order once it answers again; a full queue or spool drops rows, counted by reason.
 *
 * <p>Rows are numbered as the thread takes them from the queue, so every batch of a node follows the one before
 * without a gap, and the cursor (its last shipped number) tells exactly which rows PostgreSQL has.
 */
public final class RequestLogWriter implements RequestLogSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RequestLogWriter.class);
    /** The first wait after PostgreSQL failed, doubled after each failure up to {@link #MAX_RETRY_NANOS}. */
    private static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** How long {@link #close()} waits for the thread to write what it holds. */
    private static final long CLOSE_WAIT_MILLIS = 60_000;
    /** Put in the queue by {@link #close()} to wake the thread from its wait for rows; never written. */
    private static final RequestLogRow WAKE = new RequestLogRow(0, "", "", "", "", 0, 0, 0, 0, 0, null, null, null, null, null, null,
            null, null, null, null);

    /** Opens a new connection to the database the rows go to. */
    @FunctionalInterface
    public interface Connections {
        Connection open() throws SQLException;
    }

    private final String nodeId;
    private final int batchRows;
    private final long intervalNanos;
    private final Clock clock;
    private final BlockingQueue<RequestLogRow> queue;
    private final RequestLogStore store;
    private final LogSpool spool;
    private final Thread thread;
    private final Counter written;
    private final Timer batchTime;
    private final Counter droppedQueueFull;
    private final Counter droppedSpoolFull;
    private final Counter droppedSpoolError;
    private final Counter droppedRejected;
    private final Counter droppedStopped;
    private final Counter batchesWritten;
    private final Counter batchesSpooled;
    private final Counter batchesReplayed;
    private final Counter batchesFailed;
    private final Counter batchesDropped;
    private volatile boolean accepting = true;
    private volatile boolean stopping;
    // the thread's own state
    private long nextSeq = 1;
    private long retryAt;
    private long retryNanos;
    private boolean spoolUnreadable;

    /**
     * @param nodeId this node's id for this boot: rows are numbered from 1 under it
     * @param spoolDir where batches wait while PostgreSQL fails (made when first needed)
     * @param connections connections of the writer's own, outside the node's pool (it holds one at a time)
     * @param clock times batches and retries
     */
    public RequestLogWriter(LogsConfig config, String nodeId, Path spoolDir, Connections connections, MeterRegistry registry, Clock clock) {
        this(config, nodeId, spoolDir, LogSpool.DEFAULT_SEGMENT_BYTES, connections, registry, clock);
    }

    RequestLogWriter(LogsConfig config, String nodeId, Path spoolDir, long segmentBytes, Connections connections, MeterRegistry registry,
                     Clock clock) {
        this.nodeId = nodeId;
        this.batchRows = config.batchRows();
        this.intervalNanos = config.batchInterval().toNanos();
        this.clock = clock;
        this.queue = new ArrayBlockingQueue<>(config.queue());
        this.store = new RequestLogStore(connections);
        this.spool = new LogSpool(spoolDir, config.spoolMaxBytes(), segmentBytes, nodeId);
        this.thread = new Thread(this::run, "gatehouse-request-log");
        this.thread.setDaemon(true);
        written = Counter.builder("gatehouse.logs.written").description("Request-log rows written to PostgreSQL").register(registry);
        batchTime = Timer.builder("gatehouse.logs.batch").description("Time to write one request-log batch (rows, rollups, cursor) to PostgreSQL")
                .register(registry);
        Gauge.builder("gatehouse.logs.queue", queue, BlockingQueue::size).description("Request-log rows waiting in memory for the writer")
                .register(registry);
        Gauge.builder("gatehouse.logs.spool.bytes", spool, LogSpool::bytes)
                .description("Bytes of request-log rows waiting in the local spool for PostgreSQL").register(registry);
        droppedQueueFull = dropped(registry, "queue-full");
        droppedSpoolFull = dropped(registry, "spool-full");
        droppedSpoolError = dropped(registry, "spool-error");
        droppedRejected = dropped(registry, "rejected");
        droppedStopped = dropped(registry, "stopped");
        batchesWritten = batches(registry, "written");
        batchesSpooled = batches(registry, "spooled");
        batchesReplayed = batches(registry, "replayed");
        batchesFailed = batches(registry, "failed");
        batchesDropped = batches(registry, "dropped");
    }

    private static Counter dropped(MeterRegistry registry, String reason) {
        return Counter.builder("gatehouse.logs.dropped").tag("reason", reason)
                .description("Request-log rows lost, by reason: queue-full, spool-full, spool-error, rejected, stopped").register(registry);
    }

    private static Counter batches(MeterRegistry registry, String result) {
        return Counter.builder("gatehouse.logs.batches").tag("result", result)
                .description("Request-log batches by what became of them: written, spooled, replayed, failed (an attempt), dropped")
                .register(registry);
    }

    /**
     * Binds the spool to the database (adopting what earlier runs left in it) and starts the thread. Blocking: call
     * from the thread that starts the node.
     *
     * @throws IllegalStateException when PostgreSQL cannot say which database it is, or the spool cannot be read
     */
    public void start() {
        try {
            spool.open(store.databaseId());
        } catch (SQLException e) {
            store.close();
            throw new IllegalStateException("cannot start the request-log writer: " + e.getMessage(), e);
        } catch (IOException e) {
            store.close();
            throw new IllegalStateException("cannot read the request-log spool: " + e.getMessage(), e);
        }
        thread.start();
    }

    /** Queues a row without blocking; false (and counted) when the queue is full or the writer stopped. */
    @Override
    public boolean offer(RequestLogRow row) {
        if (!accepting) {
            droppedStopped.increment();
            return false;
        }
        if (!queue.offer(row)) {
            droppedQueueFull.increment();
            return false;
        }
        return true;
    }

    private void run() {
        List<RequestLogRow> pending = new ArrayList<>(batchRows);
        long pendingSince = 0;
        boolean idle = false; // a whole interval passed without a row: ship what is pending, whatever the clock says
        while (true) {
            boolean last = stopping;
            if (pending.size() < batchRows) {
                int before = pending.size();
                queue.drainTo(pending, batchRows - pending.size());
                if (stopping) { // read after the drain: a WAKE it took was put there after stopping was set
                    pending.removeIf(row -> row == WAKE);
                }
                if (before == 0 && !pending.isEmpty()) {
                    pendingSince = clock.read();
                }
            }
            boolean due = pending.size() >= batchRows
                    || !pending.isEmpty() && (last || idle || clock.read() - pendingSince >= intervalNanos);
            idle = false;
            if (due) {
                ship(new LogBatch(nodeId, nextSeq, List.copyOf(pending)));
                nextSeq += pending.size();
                pending.clear();
                continue;
            }
            if (last && pending.isEmpty() && queue.isEmpty()) {
                return; // what the spool holds waits for the next start
            }
            if (!spool.isEmpty() && !spoolUnreadable && mayTry()) {
                replayOne();
                continue;
            }
            long wait = pending.isEmpty() ? intervalNanos : Math.max(0, intervalNanos - (clock.read() - pendingSince));
            if (!spool.isEmpty() && !spoolUnreadable) {
                wait = Math.min(wait, Math.max(0, retryAt - clock.read()));
            }
            try {
                RequestLogRow row = queue.poll(wait, TimeUnit.NANOSECONDS);
                if (row == null) {
                    idle = !pending.isEmpty();
                } else if (row != WAKE) {
                    if (pending.isEmpty()) {
                        pendingSince = clock.read();
                    }
                    pending.add(row);
                }
            } catch (InterruptedException e) {
                log.warn("the request-log writer was interrupted with {} rows in hand; they are lost", pending.size() + queue.size());
                queue.remove(WAKE);
                droppedStopped.increment(pending.size() + queue.size());
                return;
            }
        }
    }

    /** Writes a new batch to PostgreSQL, or to the spool while it holds earlier ones or PostgreSQL is failing. */
    private void ship(LogBatch batch) {
        if (spool.holdsOwn() || !mayTry()) {
            toSpool(batch);
            return;
        }
        try {
            write(batch);
            batchesWritten.increment();
        } catch (SQLException e) {
            if (refused(batch, e)) {
                return;
            }
            failed(e);
            if (!shipped(batch)) {
                toSpool(batch);
            }
        }
    }

    /** Writes a batch, timed; rows already shipped are skipped. Returns how many were written. */
    private int write(LogBatch batch) throws SQLException {
        long start = clock.read();
        int rows;
        try {
            rows = store.write(batch);
        } catch (RuntimeException e) { // a fault of ours in these rows: never retried
            throw new SQLException("could not encode the batch: " + e, "22000", e);
        }
        batchTime.record(clock.read() - start, TimeUnit.NANOSECONDS);
        written.increment(rows);
        retryNanos = 0;
        retryAt = 0;
        return rows;
    }

    /** Whether a batch whose write failed reached PostgreSQL anyway (the commit went through, its answer did not). */
    private boolean shipped(LogBatch batch) {
        try {
            if (store.shippedSeq(batch.nodeId()) >= batch.lastSeq()) {
                written.increment(batch.rows().size());
                batchesWritten.increment();
                return true;
            }
        } catch (SQLException e) {
            // still failing: the spool keeps it, and its replay skips it if it did arrive
        }
        return false;
    }

    /** Writes the spool's next batch to PostgreSQL. */
    private void replayOne() {
        LogBatch batch;
        try {
            batch = spool.peek();
        } catch (IOException e) {
            log.error("cannot read the request-log spool; replay stops until the next start: {}", e.getMessage());
            spoolUnreadable = true;
            return;
        }
        if (batch == null) {
            return;
        }
        try {
            write(batch);
            batchesReplayed.increment();
        } catch (SQLException e) {
            if (!refused(batch, e)) {
                failed(e);
                return;
            }
        }
        try {
            spool.consumed();
        } catch (IOException e) {
            log.warn("could not delete a replayed request-log spool segment: {}", e.getMessage());
        }
        if (spool.isEmpty()) {
            log.info("request-log spool replayed: PostgreSQL has every spooled row");
        }
    }

    /** True (the batch dropped and counted) when PostgreSQL refused the rows themselves. */
    private boolean refused(LogBatch batch, SQLException e) {
        if (!RequestLogStore.refusesRows(e)) {
            return false;
        }
        log.error("PostgreSQL refused a batch of {} request-log rows (node {}, rows {} to {}); they are dropped: {}",
                batch.rows().size(), batch.nodeId(), batch.firstSeq(), batch.lastSeq(), brief(e));
        droppedRejected.increment(batch.rows().size());
        batchesDropped.increment();
        return true;
    }

    private void failed(SQLException e) {
        batchesFailed.increment();
        if (retryNanos == 0) {
            log.warn("the request log cannot reach PostgreSQL ({}); rows go to the spool until it answers", brief(e));
        }
        retryNanos = retryNanos == 0 ? FIRST_RETRY_NANOS : Math.min(MAX_RETRY_NANOS, retryNanos * 2);
        retryAt = clock.read() + retryNanos;
    }

    /** What went wrong, in a line: a failed statement of a JDBC batch says why through its next exception, not its SQL. */
    static String brief(SQLException e) {
        SQLException cause = e.getNextException() != null ? e.getNextException() : e;
        String message = String.valueOf(cause.getMessage());
        int line = message.indexOf('\n');
        return line < 0 ? message : message.substring(0, line);
    }

    private boolean mayTry() {
        return retryNanos == 0 || clock.read() - retryAt >= 0;
    }

    private void toSpool(LogBatch batch) {
        try {
            if (spool.append(batch)) {
                batchesSpooled.increment();
                return;
            }
            droppedSpoolFull.increment(batch.rows().size());
        } catch (IOException e) {
            log.warn("could not spool {} request-log rows: {}", batch.rows().size(), e.getMessage());
            droppedSpoolError.increment(batch.rows().size());
        }
        batchesDropped.increment();
    }

    /**
     * Stops taking rows and writes what the queue holds (to PostgreSQL or the spool), then lets go of the connection
     * and the spool. Blocking, at most a minute.
     */
    @Override
    public void close() {
        accepting = false;
        stopping = true;
        queue.offer(WAKE); // when the queue is full the thread is not waiting for rows anyway
        if (thread.isAlive()) {
            try {
                thread.join(CLOSE_WAIT_MILLIS);
                if (thread.isAlive()) {
                    log.warn("the request-log writer did not finish within {} s; stopping it", CLOSE_WAIT_MILLIS / 1000);
                    thread.interrupt();
                    thread.join(CLOSE_WAIT_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!thread.isAlive()) {
            queue.remove(WAKE);
            int late = queue.size(); // offered while the thread was finishing
            queue.clear();
            droppedStopped.increment(late);
        }
        store.close();
        spool.close();
    }
}
