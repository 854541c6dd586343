package dev.gatehouse.server.jobs;

import dev.gatehouse.server.jobs.JobQueue.NewJob;
import dev.gatehouse.server.jobs.JobQueue.Stored;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Where submitted jobs become durable before anyone is told they are accepted. Submissions from the event loops wait
 * in a bounded queue ({@code jobs.intakeQueue}); writer threads ({@code jobs.writers}) store what has gathered, up to
 * {@code jobs.batchRows} at a time, in one transaction each (a group commit: one fsync of PostgreSQL's log for the
 * lot), and only then answer each submission, on its own event loop. While PostgreSQL cannot take them, a batch goes
 * to the node's spool on local disk ({@link JobSpool}, synced before anyone is answered) and is stored later; only
 * when the spool is full (or the queue in memory) is a submission refused.
 */
public final class JobIntake implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobIntake.class);
    /** How long {@link #close()} waits for the writers to store what they hold. */
    private static final long CLOSE_WAIT_MILLIS = 30_000;

    /** How a submission ended up: stored (new, or the job its key names), refused for its key, or kept on disk. */
    public record Accepted(UUID id, Stored.Result result, String state, Instant createdAt, boolean spooled) {
    }

    /** Intake cannot take the job now (its queue in memory is full, or the spool is): nothing was kept. Stackless. */
    public static final class Refused extends RuntimeException {
        private final long retryAfterSeconds;

        Refused(String message, long retryAfterSeconds) {
            super(message, null, false, false);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    /** Where batches go while the queue is unavailable; {@link JobSpool} is the node's. */
    interface Overflow {
        /**
         * Keeps {@code jobs} durably for later; false when there is no room (nothing kept).
         *
         * @throws java.io.IOException when the disk failed (nothing kept)
         */
        boolean hold(List<NewJob> jobs) throws java.io.IOException;

        /** The job with this owner and idempotency key kept here, if any (a retry while PostgreSQL is away). */
        NewJob held(String owner, String idempotencyKey);

        Overflow NONE = new Overflow() {
            @Override
            public boolean hold(List<NewJob> jobs) {
                return false;
            }

            @Override
            public NewJob held(String owner, String idempotencyKey) {
                return null;
            }
        };
    }

    private record Submission(NewJob job, Context context, Promise<Accepted> promise) {
    }

    private static final Submission WAKE = new Submission(null, null, null);

    private final JobQueue queue;
    private final Overflow overflow;
    private final int batchRows;
    private final BlockingQueue<Submission> pending;
    private final List<Thread> writers = new ArrayList<>();
    private final MeterRegistry meters;
    private final Timer batchTime;
    private volatile boolean accepting = true;
    private final dev.gatehouse.core.time.Clock clock;
    /** Until when (clock nanos) batches go straight to the overflow: PostgreSQL failed lately, and waiting on it again costs every client. */
    private volatile long downUntil;
    private volatile long downFor = FIRST_DOWN_NANOS;
    private static final long FIRST_DOWN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_DOWN_NANOS = TimeUnit.SECONDS.toNanos(2);

    public JobIntake(JobQueue queue, Overflow overflow, int capacity, int batchRows, int writers, MeterRegistry meters,
                     dev.gatehouse.core.time.Clock clock) {
        this.queue = queue;
        this.clock = clock;
        this.overflow = overflow;
        this.batchRows = batchRows;
        this.pending = new ArrayBlockingQueue<>(capacity);
        this.meters = meters;
        for (int i = 0; i < writers; i++) {
            Thread writer = new Thread(this::run, "gatehouse-job-intake-" + i);
            writer.setDaemon(true);
            this.writers.add(writer);
        }
        Gauge.builder("gatehouse.jobs.intake.queue", pending, BlockingQueue::size)
                .description("Submitted jobs waiting in memory to be stored (at most jobs.intakeQueue)").register(meters);
        batchTime = Timer.builder("gatehouse.jobs.intake.batch").description("Storing one batch of submitted jobs (one transaction)")
                .register(meters);
    }

    public void start() {
        writers.forEach(Thread::start);
    }

    /** Hands a job to the writers; the future completes on the caller's context once it is durable, or fails with {@link Refused}. */
    public Future<Accepted> submit(NewJob job) {
        Context context = Vertx.currentContext();
        Promise<Accepted> promise = Promise.promise();
        if (!accepting || !pending.offer(new Submission(job, context, promise))) {
            counted(job.queue(), "refused-intake-full");
            return Future.failedFuture(new Refused(accepting ? "the gateway holds " + pending.size()
                    + " jobs waiting to be stored (jobs.intakeQueue); retry shortly" : "the gateway is stopping", 1));
        }
        return promise.future();
    }

    private void run() {
        List<Submission> batch = new ArrayList<>(batchRows);
        while (true) {
            Submission first;
            try {
                first = pending.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                first = null;
            }
            if (first == null || first == WAKE) {
                if (!accepting && pending.isEmpty()) {
                    return;
                }
                continue;
            }
            batch.add(first);
            pending.drainTo(batch, batchRows - 1);
            batch.removeIf(s -> s == WAKE);
            store(batch);
            batch.clear();
        }
    }

    private void store(List<Submission> batch) {
        List<NewJob> jobs = batch.stream().map(Submission::job).toList();
        if (downUntil != 0 && clock.read() < downUntil) {
            spill(batch, new JobQueue.Unavailable("PostgreSQL failed moments ago", null));
            return;
        }
        Timer.Sample started = Timer.start(meters);
        try {
            List<Stored> stored = queue.submit(jobs);
            started.stop(batchTime);
            downUntil = 0;
            downFor = FIRST_DOWN_NANOS;
            for (int i = 0; i < batch.size(); i++) {
                Stored s = stored.get(i);
                counted(jobs.get(i).queue(), s.result().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
                complete(batch.get(i), new Accepted(s.job(), s.result(), s.state(), s.createdAt(), false));
            }
        } catch (JobQueue.Unavailable e) {
            // the next batches go to disk at once for a while, instead of each waiting out the pool's timeout
            downUntil = clock.read() + downFor;
            downFor = Math.min(downFor * 2, MAX_DOWN_NANOS);
            spill(batch, e);
        } catch (RuntimeException e) {
            log.error("storing {} submitted jobs failed", batch.size(), e);
            batch.forEach(s -> fail(s, e));
        }
    }

    /**
     * PostgreSQL failed: the batch goes to disk (answered "accepted"), or is refused when the disk has no room. A retry
     * of a job kept on disk (the same owner and idempotency key) gets that job, as it would from PostgreSQL.
     */
    private void spill(List<Submission> all, JobQueue.Unavailable why) {
        List<Submission> batch = new ArrayList<>();
        java.util.Map<String, NewJob> keys = new java.util.HashMap<>();
        for (Submission s : all) {
            NewJob job = s.job();
            if (job.idempotencyKey() != null) {
                String key = job.owner() + '\n' + job.idempotencyKey();
                NewJob held = keys.containsKey(key) ? keys.get(key) : overflow.held(job.owner(), job.idempotencyKey());
                if (held != null) {
                    boolean same = java.util.Arrays.equals(held.fingerprint(), job.fingerprint());
                    counted(job.queue(), same ? "existing" : "key-reused");
                    complete(s, new Accepted(held.id(), same ? Stored.Result.EXISTING : Stored.Result.KEY_REUSED, "accepted", held.createdAt(), true));
                    continue;
                }
                keys.put(key, job);
            }
            batch.add(s);
        }
        if (batch.isEmpty()) {
            return;
        }
        List<NewJob> jobs = batch.stream().map(Submission::job).toList();
        try {
            if (overflow.hold(jobs)) {
                log.debug("stored {} jobs in the spool: {}", jobs.size(), why.getMessage());
                for (Submission s : batch) {
                    counted(s.job().queue(), "spooled");
                    complete(s, new Accepted(s.job().id(), Stored.Result.CREATED, "accepted", s.job().createdAt(), true));
                }
                return;
            }
            log.warn("could not store {} jobs ({}), and the job spool is full: refusing them", jobs.size(), why.getMessage());
        } catch (java.io.IOException e) {
            log.warn("could not store {} jobs ({}), nor keep them in the job spool ({}): refusing them", jobs.size(), why.getMessage(), e.getMessage());
        }
        batch.forEach(s -> counted(s.job().queue(), "refused-spool-full"));
        Refused refused = new Refused("PostgreSQL cannot take jobs now and this node has no room left to keep them; retry later", 5);
        batch.forEach(s -> fail(s, refused));
    }

    private final java.util.Map<String, Counter> counters = new java.util.concurrent.ConcurrentHashMap<>();

    private void counted(String queueName, String result) {
        counters.computeIfAbsent(queueName + '\n' + result, k -> Counter.builder("gatehouse.jobs.submitted").tag("queue", queueName).tag("result", result)
                .description("Job submissions by what became of them: created, existing (an idempotent resubmission), key-reused, "
                        + "spooled (kept on disk while PostgreSQL was away), refused-intake-full, refused-spool-full")
                .register(meters)).increment();
    }

    private static void complete(Submission s, Accepted accepted) {
        if (s.context() == null) {
            s.promise().complete(accepted);
        } else {
            s.context().runOnContext(v -> s.promise().complete(accepted));
        }
    }

    private static void fail(Submission s, Throwable error) {
        if (s.context() == null) {
            s.promise().fail(error);
        } else {
            s.context().runOnContext(v -> s.promise().fail(error));
        }
    }

    /** Stops taking jobs and waits (at most 30 s) for the writers to store what they hold. */
    @Override
    public void close() {
        accepting = false;
        for (int i = 0; i < writers.size(); i++) {
            pending.offer(WAKE);
        }
        for (Thread writer : writers) {
            try {
                writer.join(CLOSE_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
