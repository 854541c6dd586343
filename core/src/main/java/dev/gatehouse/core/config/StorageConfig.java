package dev.gatehouse.core.config;

import java.time.Duration;

/**
 * PostgreSQL settings.
 *
 * @param url a JDBC URL; {@code null} starts an embedded server with its data under {@code dataDir}
 * @param poolSize the hard cap on connections this node opens
 */
public record StorageConfig(String url, String user, String password, int poolSize, Duration connectionTimeout,
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
    }

    public boolean embedded() {
        return url == null;
    }

    @Override
    public String toString() {
        return "StorageConfig[url=" + url + ", user=" + user + ", password=" + (password == null ? "none" : "***")
                + ", poolSize=" + poolSize + ", connectionTimeout=" + connectionTimeout + ", dataDir=" + dataDir + "]";
    }
}
