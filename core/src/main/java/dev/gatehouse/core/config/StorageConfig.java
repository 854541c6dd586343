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

    public boolean embedded() {
        return url == null;
    }

    @Override
    public String toString() {
        return "StorageConfig[url=" + url + ", user=" + user + ", password=" + (password == null ? "none" : "***")
                + ", poolSize=" + poolSize + ", connectionTimeout=" + connectionTimeout + ", dataDir=" + dataDir + "]";
    }
}
