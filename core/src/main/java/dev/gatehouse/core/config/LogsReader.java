package dev.gatehouse.core.config;

import java.time.Duration;

/** Reads {@code logs}: the request log in PostgreSQL, and a route's {@code log}. */
final class LogsReader {

    private LogsReader() {
    }

    static LogsConfig read(ConfigNode n) {
        Duration retention = n.duration("retention", LogsConfig.DEFAULT_RETENTION, Duration.ofDays(1), Duration.ofDays(3650));
        Duration rollupRetention = n.duration("rollupRetention", LogsConfig.DEFAULT_ROLLUP_RETENTION, Duration.ofHours(1), Duration.ofDays(3650));
        LogsConfig config = new LogsConfig(
                n.bool("enabled", LogsConfig.DEFAULT_ENABLED),
                retention,
                rollupRetention,
                n.integer("partitionsAhead", LogsConfig.DEFAULT_PARTITIONS_AHEAD, 1, 60),
                n.integer("queue", LogsConfig.DEFAULT_QUEUE, 1_000, 10_000_000),
                n.integer("batchRows", LogsConfig.DEFAULT_BATCH_ROWS, 1, 1_000_000),
                n.duration("batchInterval", LogsConfig.DEFAULT_BATCH_INTERVAL, Duration.ofMillis(1), Duration.ofMinutes(1)),
                n.string("spoolDir", null),
                n.bytes("spoolMaxBytes", LogsConfig.DEFAULT_SPOOL_MAX_BYTES, 0, 1L << 44));
        n.rejectUnknownKeys();
        return config;
    }

    /** A route's {@code log}: {@code true} (the default), {@code false}, or {@code {sample: 0.1}}. */
    static RequestLogPolicy route(ConfigNode r) {
        if (!r.has("log")) {
            return RequestLogPolicy.ALL;
        }
        if (!r.isMapping("log")) {
            return r.bool("log", true) ? RequestLogPolicy.ALL : RequestLogPolicy.OFF;
        }
        ConfigNode n = r.child("log");
        RequestLogPolicy policy = new RequestLogPolicy(n.bool("enabled", true), n.decimal("sample", 1.0, 0.0, 1.0));
        n.rejectUnknownKeys();
        return policy;
    }
}
