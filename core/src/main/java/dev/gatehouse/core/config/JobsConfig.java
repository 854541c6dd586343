package dev.gatehouse.core.config;

import java.time.Duration;
import java.util.Map;

/**
 * Async jobs ({@code jobs}): how intake stores them, where clients poll them, how long they are kept, and the
 * settings of each queue (queues a route names without an entry here take {@link QueueConfig#defaults}).
 *
 * @param statusPath where clients read a job on the gateway listener: {@code GET <statusPath>/<id>}
 * @param retention how long finished jobs (and their idempotency keys) are kept
 * @param intakeQueue submissions waiting in memory for a writer; past it intake answers 503
 * @param batchRows the most jobs one writer stores in one transaction
 * @param writers threads storing submitted jobs, each a transaction at a time
 * @param spoolDir where accepted jobs wait on local disk while PostgreSQL cannot take them; null: beside the
 *                 request-log spool ({@code job-spool})
 * @param spoolMaxBytes the spool's bound on disk; past it intake answers 503 with Retry-After
 * @param listen whether nodes wait for new jobs on PostgreSQL's LISTEN (a connection of its own, to
 *               {@code storage.postgres.listenUrl} when set); off, workers poll
 */
public record JobsConfig(String statusPath, Duration retention, int intakeQueue, int batchRows, int writers, String spoolDir,
                         long spoolMaxBytes, boolean listen, Map<String, QueueConfig> queues) {

    public static final String DEFAULT_STATUS_PATH = "/api/v1/jobs";
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
    public static final int DEFAULT_INTAKE_QUEUE = 20_000;
    public static final int DEFAULT_BATCH_ROWS = 1_000;
    public static final int DEFAULT_WRITERS = 2;
    public static final long DEFAULT_SPOOL_MAX_BYTES = 1L << 30;

    public static final JobsConfig DEFAULTS = new JobsConfig(DEFAULT_STATUS_PATH, DEFAULT_RETENTION, DEFAULT_INTAKE_QUEUE,
            DEFAULT_BATCH_ROWS, DEFAULT_WRITERS, null, DEFAULT_SPOOL_MAX_BYTES, true, Map.of());

    public JobsConfig {
        Require.notBlank("statusPath", statusPath);
        if (!statusPath.startsWith("/") || statusPath.endsWith("/")) {
            throw new IllegalArgumentException("statusPath must start with '/' and not end with one, got '" + statusPath + "'");
        }
        Require.positive("retention", retention);
        Require.atLeast("intakeQueue", intakeQueue, 1);
        Require.atLeast("batchRows", batchRows, 1);
        Require.between("writers", writers, 1, 64);
        Require.atLeast("spoolMaxBytes", spoolMaxBytes, 0);
        queues = Require.map("queues", queues);
    }

    /** The settings of queue {@code name}: its entry, or the defaults. */
    public QueueConfig queue(String name) {
        QueueConfig queue = queues.get(name);
        return queue != null ? queue : QueueConfig.defaults(name);
    }
}
