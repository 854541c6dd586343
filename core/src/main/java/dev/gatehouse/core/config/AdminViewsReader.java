package dev.gatehouse.core.config;

/** Reads {@code adminViews}: admin views and metrics on the gateway listener. */
final class AdminViewsReader {

    private AdminViewsReader() {
    }

    static AdminViewsConfig read(ConfigNode n) {
        String basePath = n.string("basePath", AdminViewsConfig.DEFAULT_BASE_PATH);
        if (!basePath.startsWith("/") || basePath.endsWith("/") || basePath.contains("//")) {
            n.problem("basePath", "must start with '/' and not end with one, e.g. /api/v1/admin; got '" + basePath + "'");
            basePath = AdminViewsConfig.DEFAULT_BASE_PATH;
        }
        AdminViewsConfig config = new AdminViewsConfig(n.bool("enabled", AdminViewsConfig.DEFAULT_ENABLED), basePath,
                n.bool("metrics", AdminViewsConfig.DEFAULT_METRICS));
        n.rejectUnknownKeys();
        return config;
    }
}
