package dev.gatehouse.core.config;

import java.time.Duration;
import java.util.List;

/**
 * One job queue's workers and retries ({@code jobs.queues.<name>}).
 *
 * @param workers worker threads on each node (0: this node takes jobs in but runs none)
 * @param backoff the wait before each retry, in order: a job gets {@code backoff.size() + 1} attempts, then it is dead
 * @param jitter each wait is moved by up to this share of it, either way, so retries of a burst do not come back together
 * @param timeout the longest one call to the third party may take
 * @param lease how long a claimed job stays a worker's without a heartbeat (sent every third of it); a worker or node
 *              that dies leaves its jobs to be claimed again once their leases end
 * @param pollInterval how often idle workers look for jobs when no notification wakes them (retries coming due,
 *                     or PostgreSQL behind a pooler that cannot LISTEN)
 * @param maxResultBytes the most of a third party's answer kept with the job; more is cut and said so
 * @param defaultPause how long a 429 without {@code Retry-After} pauses the queue on every node
 */
public record QueueConfig(String name, int workers, List<Duration> backoff, double jitter, Duration timeout, Duration lease,
                          Duration pollInterval, long maxResultBytes, Duration defaultPause) {

    public static final int DEFAULT_WORKERS = 4;
    public static final List<Duration> DEFAULT_BACKOFF = List.of(Duration.ofMinutes(5), Duration.ofMinutes(15));
    public static final double DEFAULT_JITTER = 0.2;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(1);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    public static final long DEFAULT_MAX_RESULT_BYTES = 64L * 1024;
    public static final Duration DEFAULT_PAUSE = Duration.ofSeconds(30);

    public QueueConfig {
        Require.notBlank("name", name);
        Require.between("workers", workers, 0, 1000);
        backoff = Require.list("backoff", backoff);
        backoff.forEach(d -> Require.positive("backoff", d));
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be between 0 and 1, got " + jitter);
        }
        Require.positive("timeout", timeout);
        Require.positive("lease", lease);
        if (lease.compareTo(timeout) <= 0) {
            // a call still running when its lease ends would be made twice: heartbeats keep it, but one lost beat must not
            // hand a job under way to another worker
            throw new IllegalArgumentException("lease must be longer than timeout (" + timeout + "), got " + lease);
        }
        Require.positive("pollInterval", pollInterval);
        Require.atLeast("maxResultBytes", maxResultBytes, 0);
        Require.positive("defaultPause", defaultPause);
    }

    /** A queue no {@code jobs.queues} entry describes: the defaults. */
    public static QueueConfig defaults(String name) {
        return new QueueConfig(name, DEFAULT_WORKERS, DEFAULT_BACKOFF, DEFAULT_JITTER, DEFAULT_TIMEOUT, DEFAULT_LEASE,
                DEFAULT_POLL_INTERVAL, DEFAULT_MAX_RESULT_BYTES, DEFAULT_PAUSE);
    }

    /** Attempts a job gets before it is dead. */
    public int attempts() {
        return backoff.size() + 1;
    }
}
