package dev.gatehouse.core.config;

import java.util.Map;

/**
 * OpenTelemetry traces of requests, exported over OTLP/HTTP.
 *
 * @param endpoint the collector's OTLP/HTTP traces URL, e.g. {@code http://otel-collector:4318/v1/traces}
 * @param sampleRatio the share of traces started here that are kept; a caller's sampled {@code traceparent} is always followed
 * @param serviceName the {@code service.name} spans carry
 * @param maxQueue spans held for export; past it new ones are dropped (and counted)
 * @param headers sent with every export (a collector's API key, for instance)
 */
public record TracingConfig(String endpoint, double sampleRatio, String serviceName, int maxQueue, Map<String, String> headers) {

    public static final double DEFAULT_SAMPLE_RATIO = 0.1;
    public static final String DEFAULT_SERVICE_NAME = "gatehouse";
    public static final int DEFAULT_MAX_QUEUE = 2048;

    public TracingConfig {
        Require.notBlank("endpoint", endpoint);
        Require.notBlank("serviceName", serviceName);
        Require.atLeast("maxQueue", maxQueue, 1);
        headers = Require.map("headers", headers);
        if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
            throw new IllegalArgumentException("sampleRatio must be between 0 and 1, got " + sampleRatio);
        }
    }
}
