package dev.gatehouse.core.config;

import java.time.Duration;

/**
 * PostgreSQL settings.
 *
 * @param url a JDBC URL; {@code null} starts an embedded server with its data under {@code dataDir}
 * @param listenUrl a JDBC URL straight to the same database for the node's {@code LISTEN}s, when {@code url} goes
 *                  through a pooler in transaction mode (where a LISTEN hears nothing once its transaction ends);
 *                  null: {@code url}
 * @param poolSize the hard cap on connections this node opens
 */
public record StorageConfig(String url, String listenUrl, String user, String password, int poolSize, Duration connectionTimeout,
                            String dataDir) {

    public static final int DEFAULT_POOL_SIZE = 10;
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    public static final String DEFAULT_DATA_DIR = "./data/postgres";

    public StorageConfig {
        Require.atLeast("poolSize", poolSize, 1);
        Require.positive("connectionTimeout", connectionTimeout);
        if (url == null && (dataDir == null || dataDir.isBlank())) {
            throw new IllegalArgumentException("dataDir must be given without a url (the embedded server keeps its data there), got "
                    + (dataDir == null ? null : "'" + dataDir + "'"));
        }
        if (listenUrl != null && url == null) {
            throw new IllegalArgumentException("listenUrl needs a url: the embedded server is always reached directly");
        }
    }

    /** Settings without a listen URL: every LISTEN goes to {@code url}. */
    public StorageConfig(String url, String user, String password, int poolSize, Duration connectionTimeout, String dataDir) {
        this(url, null, user, password, poolSize, connectionTimeout, dataDir);
    }

    public boolean embedded() {
        return url == null;
    }

    /** The same settings with {@code listenUrl}. */
    public StorageConfig withListenUrl(String listenUrl) {
        return new StorageConfig(url, listenUrl, user, password, poolSize, connectionTimeout, dataDir);
    }

    @Override
    public String toString() {
        return "StorageConfig[url=" + redacted(url) + ", listenUrl=" + redacted(listenUrl) + ", user=" + user + ", password=" + (password == null ? "none" : "***")
                + ", poolSize=" + poolSize + ", connectionTimeout=" + connectionTimeout + ", dataDir=" + dataDir + "]";
    }

    /** A JDBC URL fit to print: a password in its query ({@code password=...}) masked. */
    public static String redacted(String url) {
        return url == null ? null : url.replaceAll("(?i)password=[^&]*", "password=***");
    }
}
