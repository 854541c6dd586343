package dev.gatehouse.core.config;

/** Reads {@code observability}: the access log. */
final class ObservabilityReader {

    private ObservabilityReader() {
    }

    static ObservabilityConfig read(ConfigNode n) {
        String accessLog = n.string("accessLog", ObservabilityConfig.DEFAULT_ACCESS_LOG);
        if (accessLog.equals("false")) {
            accessLog = "off"; // YAML 1.1 reads a bare `off` as the boolean false
        }
        ObservabilityConfig config = new ObservabilityConfig(accessLog,
                n.integer("accessLogQueue", ObservabilityConfig.DEFAULT_ACCESS_LOG_QUEUE, 16, 16 * 1024 * 1024));
        n.rejectUnknownKeys();
        return config;
    }
}
