package dev.gatehouse.core.config;

/**
 * Logging, metrics and tracing settings.
 *
 * @param accessLog {@code stdout}, {@code off}, or a file path for one JSON line per request
 * @param accessLogQueue lines buffered before new ones are dropped (and counted)
 * @param tracing where request traces go, or null for none
 */
public record ObservabilityConfig(String accessLog, int accessLogQueue, TracingConfig tracing) {

    public static final String DEFAULT_ACCESS_LOG = "stdout";
    public static final int DEFAULT_ACCESS_LOG_QUEUE = 65_536;

    public ObservabilityConfig {
        Require.notBlank("accessLog", accessLog);
        Require.atLeast("accessLogQueue", accessLogQueue, 1);
    }
}
