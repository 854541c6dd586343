package dev.gatehouse.core.config;

import java.time.Duration;

/** An active health check: GET {@code path} every {@code interval}; a 2xx within {@code timeout} passes. */
public record HealthCheckConfig(String path, Duration interval, Duration timeout) {
}
