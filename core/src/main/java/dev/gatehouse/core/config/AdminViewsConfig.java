package dev.gatehouse.core.config;

/**
 * Admin views on the gateway listener ({@code adminViews}): a dashboard, breakers and the cache under
 * {@code basePath}, for an admin credential, and optionally the Prometheus metrics at {@code /metrics}.
 * Both are off by default; the admin listener serves all of it regardless.
 *
 * @param enabled whether {@code <basePath>/dashboard}, {@code /circuit-breakers}, {@code /cache} and
 *                {@code /cache/clear} are served on the gateway listener (to admin credentials only)
 * @param basePath where they are mounted; it shadows any route under it
 * @param metrics whether the gateway listener also answers {@code GET /metrics}, without credentials as the admin listener does
 */
public record AdminViewsConfig(boolean enabled, String basePath, boolean metrics) {

    public static final boolean DEFAULT_ENABLED = false;
    public static final String DEFAULT_BASE_PATH = "/api/v1/admin";
    public static final boolean DEFAULT_METRICS = false;

    public static final AdminViewsConfig DEFAULTS = new AdminViewsConfig(DEFAULT_ENABLED, DEFAULT_BASE_PATH, DEFAULT_METRICS);

    public AdminViewsConfig {
        if (!Require.notNull("basePath", basePath).startsWith("/") || basePath.endsWith("/") || basePath.contains("//")) {
            throw new IllegalArgumentException("basePath must start with '/' and not end with one, got '" + basePath + "'");
        }
    }
}
