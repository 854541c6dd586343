package dev.gatehouse.core.config;

/**
 * Logging and metrics settings.
 *
 * @param accessLog {@code stdout}, {@code off}, or a file path for one JSON line per request
 * @param accessLogQueue lines buffered before new ones are dropped (and counted)
 */
public record ObservabilityConfig(String accessLog, int accessLogQueue) {

    public static final String DEFAULT_ACCESS_LOG = "stdout";
    public static final int DEFAULT_ACCESS_LOG_QUEUE = 65_536;

    public ObservabilityConfig {
        Require.notBlank("accessLog", accessLog);
        Require.atLeast("accessLogQueue", accessLogQueue, 1);
    }
}
