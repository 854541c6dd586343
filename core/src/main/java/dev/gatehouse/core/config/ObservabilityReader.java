package dev.gatehouse.core.config;

/** Reads {@code observability}: the access log and tracing. */
final class ObservabilityReader {

    private ObservabilityReader() {
    }

    static ObservabilityConfig read(ConfigNode n) {
        String accessLog = n.string("accessLog", ObservabilityConfig.DEFAULT_ACCESS_LOG);
        if (accessLog.equals("false")) {
            accessLog = "off"; // YAML 1.1 reads a bare `off` as the boolean false
        }
        ObservabilityConfig config = new ObservabilityConfig(accessLog,
                n.integer("accessLogQueue", ObservabilityConfig.DEFAULT_ACCESS_LOG_QUEUE, 16, 16 * 1024 * 1024), tracing(n));
        n.rejectUnknownKeys();
        return config;
    }

    private static TracingConfig tracing(ConfigNode observability) {
        if (!observability.has("tracing")) {
            return null;
        }
        ConfigNode n = observability.child("tracing");
        int problems = n.problems().size();
        String endpoint = n.requiredString("endpoint");
        if (endpoint != null && !endpoint.matches("https?://[^\\s/]+(/\\S*)?")) {
            n.problem("endpoint", "must be the collector's OTLP/HTTP URL, e.g. http://otel-collector:4318/v1/traces, got '" + endpoint + "'");
        }
        double ratio = n.decimal("sampleRatio", TracingConfig.DEFAULT_SAMPLE_RATIO, 0, 1);
        String service = n.string("serviceName", TracingConfig.DEFAULT_SERVICE_NAME);
        int maxQueue = n.integer("maxQueue", TracingConfig.DEFAULT_MAX_QUEUE, 16, 1_000_000);
        java.util.Map<String, String> headers = n.has("headers") ? n.stringMap("headers") : java.util.Map.of();
        n.rejectUnknownKeys();
        return endpoint == null || n.problems().size() > problems ? null : new TracingConfig(endpoint, ratio, service, maxQueue, headers);
    }
}
