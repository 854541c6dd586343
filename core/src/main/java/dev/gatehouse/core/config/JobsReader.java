package dev.gatehouse.core.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads {@code jobs}: intake, polling, retention and each queue's workers and retries. */
final class JobsReader {

    private JobsReader() {
    }

    /** @param fed the queues routes send jobs to: an entry for any other is refused (no one would know whom its jobs are for) */
    static JobsConfig read(ConfigNode n, java.util.Set<String> fed) {
        String statusPath = n.string("statusPath", JobsConfig.DEFAULT_STATUS_PATH);
        if (!statusPath.startsWith("/") || statusPath.endsWith("/") || !statusPath.matches("[A-Za-z0-9/_.~-]+")) {
            n.problem("statusPath", "must be a path such as /api/v1/jobs (starting with '/', not ending with one), got '" + statusPath + "'");
            statusPath = JobsConfig.DEFAULT_STATUS_PATH;
        }
        Duration retention = n.duration("retention", JobsConfig.DEFAULT_RETENTION, Duration.ofMinutes(1), Duration.ofDays(3650));
        int intakeQueue = n.integer("intakeQueue", JobsConfig.DEFAULT_INTAKE_QUEUE, 1, 10_000_000);
        int batchRows = n.integer("batchRows", JobsConfig.DEFAULT_BATCH_ROWS, 1, 100_000);
        int writers = n.integer("writers", JobsConfig.DEFAULT_WRITERS, 1, 64);
        String spoolDir = n.string("spoolDir", null);
        long spoolMaxBytes = n.bytes("spoolMaxBytes", JobsConfig.DEFAULT_SPOOL_MAX_BYTES, 0, 1L << 44);
        boolean listen = n.bool("listen", true);
        Map<String, QueueConfig> queues = new LinkedHashMap<>();
        n.children("queues").forEach((name, q) -> {
            if (!fed.contains(name)) {
                String suggestion = Spelling.closest(name, fed);
                q.problem(null, "no route sends jobs to it (async: {queue: " + name + "})"
                        + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?"));
            }
            QueueConfig queue = queue(name, q);
            if (queue != null) {
                queues.put(name, queue);
            }
        });
        n.rejectUnknownKeys();
        return new JobsConfig(statusPath, retention, intakeQueue, batchRows, writers, spoolDir, spoolMaxBytes, listen, queues);
    }

    /**
     * {@code jobs.listenUrl}, the direct URL the jobs' LISTEN used before {@code storage.postgres.listenUrl} served every
     * LISTEN; null when absent or not a JDBC URL (a problem then). Read from the node {@link #read} is given.
     */
    static String deprecatedListenUrl(ConfigNode n) {
        String listenUrl = n.string("listenUrl", null);
        if (listenUrl != null && !listenUrl.startsWith("jdbc:postgresql:")) {
            n.problem("listenUrl", "must be a JDBC URL starting with jdbc:postgresql:, got '" + listenUrl + "'");
            return null;
        }
        return listenUrl;
    }

    private static QueueConfig queue(String name, ConfigNode q) {
        int problems = q.problems().size();
        if (!ReaderRules.NAME.matcher(name).matches()) {
            q.problem(null, "queue name '" + name + "' must be lower-case letters, digits, '-' or '_' (at most 63)");
        }
        int workers = q.integer("workers", QueueConfig.DEFAULT_WORKERS, 0, 1000);
        List<Duration> backoff = new ArrayList<>();
        if (q.has("backoff")) {
            List<String> waits = q.strings("backoff");
            for (int i = 0; i < waits.size(); i++) {
                java.math.BigInteger millis = ConfigNode.durationMillis(waits.get(i));
                if (millis == null || millis.signum() <= 0 || millis.compareTo(java.math.BigInteger.valueOf(Duration.ofDays(30).toMillis())) > 0) {
                    q.problem("backoff", "'" + waits.get(i) + "' is not a wait between 1ms and 30d such as 5m");
                } else {
                    backoff.add(Duration.ofMillis(millis.longValueExact()));
                }
            }
            if (backoff.size() > 100) {
                q.problem("backoff", "at most 100 retries, got " + backoff.size());
            }
        } else {
            backoff.addAll(QueueConfig.DEFAULT_BACKOFF);
        }
        double jitter = percent(q, "jitter", QueueConfig.DEFAULT_JITTER, 0, 1);
        Duration timeout = q.duration("timeout", QueueConfig.DEFAULT_TIMEOUT, Duration.ofMillis(10), Duration.ofHours(1));
        Duration lease = q.duration("lease", Duration.ofMillis(Math.max(QueueConfig.DEFAULT_LEASE.toMillis(), timeout.toMillis() * 2)),
                Duration.ofMillis(30), Duration.ofHours(2));
        if (lease.compareTo(timeout) <= 0) {
            q.problem("lease", "must be longer than timeout (" + ConfigNode.human(timeout) + "), or a call under way could be made twice");
            lease = timeout.multipliedBy(2);
        }
        Duration pollInterval = q.duration("pollInterval", QueueConfig.DEFAULT_POLL_INTERVAL, Duration.ofMillis(10), Duration.ofMinutes(10));
        long maxResultBytes = q.bytes("maxResultBytes", QueueConfig.DEFAULT_MAX_RESULT_BYTES, 0, 16L << 20);
        Duration defaultPause = q.duration("defaultPause", QueueConfig.DEFAULT_PAUSE, Duration.ofMillis(1), Duration.ofDays(1));
        q.rejectUnknownKeys();
        return q.problems().size() > problems ? null
                : new QueueConfig(name, workers, backoff, jitter, timeout, lease, pollInterval, maxResultBytes, defaultPause);
    }

    /**
     * A share written {@code 90%} or {@code 0.9}, between {@code min} and {@code max} (as fractions); the fallback when absent.
     */
    static double percent(ConfigNode n, String key, double fallback, double min, double max) {
        if (!n.has(key)) {
            return fallback;
        }
        String text = n.string(key, null);
        if (text == null) {
            return fallback;
        }
        double value;
        try {
            value = text.endsWith("%") ? Double.parseDouble(text.substring(0, text.length() - 1).trim()) / 100 : Double.parseDouble(text);
        } catch (NumberFormatException e) {
            n.problem(key, "must be a share such as 90% or 0.9, got '" + text + "'");
            return fallback;
        }
        if (!(value >= min && value <= max)) {
            n.problem(key, "must be between " + format(min) + " and " + format(max) + ", got '" + text + "'");
            return fallback;
        }
        return value;
    }

    private static String format(double fraction) {
        double percent = fraction * 100;
        return (percent == Math.rint(percent) ? Long.toString((long) percent) : Double.toString(percent)) + "%";
    }
}
