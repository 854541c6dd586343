package dev.gatehouse.server.jobs;

import dev.gatehouse.server.jobs.JobQueue.NewJob;
import dev.gatehouse.server.store.Spool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Where jobs wait on this node's disk while PostgreSQL cannot take them: a {@link Spool} of batches of accepted jobs,
 * each append forced to disk before intake answers 202 (so a job that got one survives the process, and a power cut).
 * A thread of its own stores them once PostgreSQL answers again, in order, as jobs already accepted
 * ({@link JobQueue#storeAccepted}: an idempotency key taken meanwhile makes the job an alias, never a refusal), and
 * drops each batch from disk only once it is stored. A node adopts what an earlier one (killed with -9 too) left in the
 * spool for the same database. While they wait, this node reads their status as {@code accepted} and answers a retry
 * under one's idempotency key with it.
 */
public final class JobSpool implements JobIntake.Overflow, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobSpool.class);
    private static final long FIRST_RETRY_MILLIS = 100;
    private static final long MAX_RETRY_MILLIS = 5_000;

    private final Spool<List<NewJob>> spool;
    private final Map<UUID, NewJob> byId = new ConcurrentHashMap<>();
    private final Map<String, NewJob> byKey = new ConcurrentHashMap<>();
    private final Counter replayed;
    private JobQueue queue;
    private Thread thread;
    private volatile boolean running;

    /** @param nodeId the node (boot) whose jobs this spool takes */
    public JobSpool(Path dir, long maxBytes, String nodeId, MeterRegistry meters) {
        this.spool = new Spool<>(dir, "job spool", "GHJOBSP1", new Codec(), true, maxBytes, Spool.DEFAULT_SEGMENT_BYTES, nodeId);
        Gauge.builder("gatehouse.jobs.spool.bytes", spool, Spool::bytes)
                .description("Bytes of accepted jobs waiting on this node's disk for PostgreSQL").register(meters);
        this.replayed = Counter.builder("gatehouse.jobs.spool.stored")
                .description("Jobs accepted while PostgreSQL was away and stored in it since").register(meters);
    }

    /**
     * Binds the spool to the database (adopting what earlier runs left for it) and starts storing what it holds.
     *
     * @param databaseId the identity written at the head of each segment
     */
    void start(String databaseId, JobQueue queue) throws IOException {
        this.queue = queue;
        synchronized (this) {
            spool.open(databaseId);
        }
        running = true;
        thread = new Thread(this::run, "gatehouse-job-spool");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public synchronized boolean hold(List<NewJob> jobs) throws IOException {
        if (!running || !spool.append(jobs)) {
            return false;
        }
        for (NewJob job : jobs) {
            byId.put(job.id(), job);
            if (job.idempotencyKey() != null) {
                byKey.putIfAbsent(job.owner() + '\n' + job.idempotencyKey(), job);
            }
        }
        return true;
    }

    @Override
    public NewJob held(String owner, String idempotencyKey) {
        return idempotencyKey == null ? null : byKey.get(owner + '\n' + idempotencyKey);
    }

    /** The job with this id this node keeps on disk, or null. */
    NewJob held(UUID id) {
        return byId.get(id);
    }

    /** Bytes waiting on disk. */
    public long bytes() {
        return spool.bytes();
    }

    private void run() {
        long retry = FIRST_RETRY_MILLIS;
        while (running) {
            List<NewJob> batch;
            try {
                synchronized (this) {
                    batch = spool.peek();
                }
            } catch (IOException e) {
                log.error("the job spool cannot be read ({}); what it holds waits for the next start", e.getMessage());
                return;
            }
            if (batch == null) {
                LockSupport.parkNanos(200_000_000L);
                continue;
            }
            try {
                queue.storeAccepted(batch);
                synchronized (this) {
                    spool.consumed();
                }
                batch.forEach(job -> {
                    byId.remove(job.id());
                    if (job.idempotencyKey() != null) {
                        byKey.remove(job.owner() + '\n' + job.idempotencyKey(), job);
                    }
                });
                replayed.increment(batch.size());
                retry = FIRST_RETRY_MILLIS;
                if (spool.isEmpty()) {
                    log.info("every job accepted while PostgreSQL was away is stored now");
                }
            } catch (JobQueue.Unavailable e) {
                LockSupport.parkNanos(retry * 1_000_000L);
                retry = Math.min(retry * 2, MAX_RETRY_MILLIS);
            } catch (IOException e) {
                log.error("the job spool failed after storing a batch ({}); it may be stored again (once: by its ids)", e.getMessage());
            }
        }
    }

    /** Stops storing; what is still on disk waits for the next start (this node's, or another's on this disk). */
    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            spool.close();
        }
    }

    /** A batch of jobs as one spool record, and back. */
    static final class Codec implements Spool.Codec<List<NewJob>> {
        @Override
        public byte[] encode(List<NewJob> jobs) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 * jobs.size());
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(jobs.size());
                for (NewJob j : jobs) {
                    out.writeLong(j.id().getMostSignificantBits());
                    out.writeLong(j.id().getLeastSignificantBits());
                    string(out, j.queue());
                    string(out, j.route());
                    string(out, j.owner());
                    string(out, j.idempotencyKey());
                    bytes(out, j.fingerprint());
                    string(out, j.method());
                    string(out, j.target());
                    string(out, j.headers());
                    bytes(out, j.body());
                    string(out, j.requestId());
                    out.writeInt(j.maxAttempts());
                    out.writeLong(j.createdAt().getEpochSecond());
                    out.writeInt(j.createdAt().getNano());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e); // not from memory
            }
            return bytes.toByteArray();
        }

        @Override
        public List<NewJob> decode(byte[] payload) throws IOException {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
            int count = in.readInt();
            if (count <= 0 || count > payload.length) {
                throw new IOException("not a batch of jobs");
            }
            List<NewJob> jobs = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                UUID id = new UUID(in.readLong(), in.readLong());
                jobs.add(new NewJob(id, string(in), string(in), string(in), string(in), bytes(in), string(in), string(in), string(in),
                        bytes(in), string(in), in.readInt(), Instant.ofEpochSecond(in.readLong(), in.readInt())));
            }
            if (in.available() != 0) {
                throw new IOException("bytes left after the last job");
            }
            return jobs;
        }

        private static void string(DataOutputStream out, String s) throws IOException {
            bytes(out, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
        }

        private static void bytes(DataOutputStream out, byte[] b) throws IOException {
            if (b == null) {
                out.writeInt(-1);
                return;
            }
            out.writeInt(b.length);
            out.write(b);
        }

        private static String string(DataInputStream in) throws IOException {
            byte[] b = bytes(in);
            return b == null ? null : new String(b, StandardCharsets.UTF_8);
        }

        private static byte[] bytes(DataInputStream in) throws IOException {
            int length = in.readInt();
            if (length < 0) {
                return null;
            }
            if (length > in.available()) {
                throw new IOException("a field runs past the record");
            }
            return in.readNBytes(length);
        }
    }
}
