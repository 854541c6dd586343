package dev.gatehouse.server.jobs;

import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.core.config.JobsConfig;
import dev.gatehouse.core.config.UpstreamConfig;
import dev.gatehouse.core.jobs.QuotaPlan;
import dev.gatehouse.core.time.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;

import javax.sql.DataSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A node's async jobs: the queue in PostgreSQL, intake (what the routes' {@link JobIntakeFilter}s hand jobs to), what
 * clients and operators read back, and the upkeep that runs beside them (queue depths every second). Built once per
 * node from the configuration it starts with.
 */
public final class Jobs implements AutoCloseable {
    private final Vertx vertx;
    private final Clock clock;
    private final JobsConfig config;
    private final JobQueue queue;
    private final JobRecords records;
    private final JobIntake intake;
    private final QueueMonitor monitor;
    private final JobIntake.Overflow overflow;
    private final ScheduledExecutorService upkeep;

    public Jobs(Vertx vertx, GatewayConfig config, DataSource pool, JobIntake.Overflow overflow, MeterRegistry meters, Clock clock) {
        this.vertx = vertx;
        this.clock = clock;
        this.config = config.jobs();
        this.overflow = overflow;
        this.queue = new PgJobQueue(pool);
        this.records = new JobRecords(pool);
        this.intake = new JobIntake(queue, overflow, this.config.intakeQueue(), this.config.batchRows(), this.config.writers(), meters);
        Map<String, Double> pace = new LinkedHashMap<>();
        config.queueUpstreams().forEach((name, upstream) -> {
            UpstreamConfig u = config.upstreams().get(upstream);
            if (u != null && u.quota() != null) {
                pace.put(name, QuotaPlan.of(u.quota()).perSecond());
            }
        });
        this.monitor = new QueueMonitor(records, new ArrayList<>(config.queueUpstreams().keySet()), pace, q -> 0, meters, clock);
        this.upkeep = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gatehouse-jobs-upkeep");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts intake's writers and the upkeep. Call once, from the thread that starts the node. */
    public void start() {
        intake.start();
        if (!monitor.queues().isEmpty()) {
            monitor.refresh();
            upkeep.scheduleWithFixedDelay(monitor::refresh, 1, 1, TimeUnit.SECONDS);
        }
    }

    public Vertx vertx() {
        return vertx;
    }

    public Clock clock() {
        return clock;
    }

    public JobQueue queue() {
        return queue;
    }

    public JobRecords records() {
        return records;
    }

    public JobIntake intake() {
        return intake;
    }

    public QueueMonitor estimates() {
        return monitor;
    }

    /** Where a client polls a job: {@code <jobs.statusPath>/<id>}. */
    public String statusUrl(UUID id) {
        return config.statusPath() + "/" + id;
    }

    public String statusPath() {
        return config.statusPath();
    }

    /** A job this node accepted while PostgreSQL was away and still keeps on disk, or null. */
    public JobQueue.NewJob held(UUID id) {
        return overflow instanceof JobSpool spool ? spool.held(id) : null;
    }

    /** Stops taking jobs, stores what intake holds, and stops the upkeep. */
    @Override
    public void close() {
        intake.close();
        upkeep.shutdownNow();
    }

    /** Jobs a node accepted but nothing beyond: for callers that build lists for operators. */
    public List<String> queues() {
        return monitor.queues();
    }
}
