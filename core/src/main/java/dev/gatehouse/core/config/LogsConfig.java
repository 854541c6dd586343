package dev.gatehouse.core.config;

import java.time.Duration;

/**
 * The request log in PostgreSQL ({@code logs}): a row per request, written in batches off the event loops,
 * spooled to local disk while PostgreSQL cannot take them.
 *
 * @param enabled whether requests are logged at all (routes may still turn theirs off or sample them)
 * @param retention how long raw rows are kept; older days' partitions are dropped whole
 * @param rollupRetention how long the per-minute rollups analytics read are kept
 * @param partitionsAhead days of partitions made ahead of today, so midnight never waits for one
 * @param queue rows held in memory for the writer; past it a row is dropped and counted
 * @param batchRows the most rows one batch writes
 * @param batchInterval the longest a row waits for its batch to fill
 * @param spoolDir where rows go while PostgreSQL cannot take them; {@code null}: beside the embedded
 *                 database's data, else {@code ./data/log-spool}
 * @param spoolMaxBytes the spool's bound on disk; past it rows are dropped and counted
 */
public record LogsConfig(boolean enabled, Duration retention, Duration rollupRetention, int partitionsAhead, int queue,
                         int batchRows, Duration batchInterval, String spoolDir, long spoolMaxBytes) {

    public static final boolean DEFAULT_ENABLED = true;
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
    public static final Duration DEFAULT_ROLLUP_RETENTION = Duration.ofDays(90);
    public static final int DEFAULT_PARTITIONS_AHEAD = 3;
    public static final int DEFAULT_QUEUE = 100_000;
    public static final int DEFAULT_BATCH_ROWS = 5_000;
    public static final Duration DEFAULT_BATCH_INTERVAL = Duration.ofMillis(200);
    public static final long DEFAULT_SPOOL_MAX_BYTES = 1L << 30;

    public static final LogsConfig DEFAULTS = new LogsConfig(DEFAULT_ENABLED, DEFAULT_RETENTION, DEFAULT_ROLLUP_RETENTION,
            DEFAULT_PARTITIONS_AHEAD, DEFAULT_QUEUE, DEFAULT_BATCH_ROWS, DEFAULT_BATCH_INTERVAL, null, DEFAULT_SPOOL_MAX_BYTES);

    public LogsConfig {
        Require.notNull("retention", retention);
        if (retention.compareTo(Duration.ofDays(1)) < 0) {
            throw new IllegalArgumentException("retention must be at least a day (partitions are whole days), got " + retention);
        }
        Require.positive("rollupRetention", rollupRetention);
        Require.between("partitionsAhead", partitionsAhead, 1, 60);
        Require.atLeast("queue", queue, 1);
        Require.atLeast("batchRows", batchRows, 1);
        Require.positive("batchInterval", batchInterval);
        Require.atLeast("spoolMaxBytes", spoolMaxBytes, 0);
    }
}
