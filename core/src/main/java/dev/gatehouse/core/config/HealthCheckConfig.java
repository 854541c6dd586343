package dev.gatehouse.core.config;

import java.time.Duration;

/** An active health check: GET {@code path} every {@code interval}; a 2xx within {@code timeout} passes. */
public record HealthCheckConfig(String path, Duration interval, Duration timeout) {

    public static final String DEFAULT_PATH = "/health/ready";
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    public HealthCheckConfig {
        if (!Require.notNull("path", path).startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/', got '" + path + "'");
        }
        Require.positive("interval", interval);
        Require.positive("timeout", timeout);
    }
}
