package dev.gatehouse.core.config;

import java.time.Duration;

/** Reads {@code storage}: PostgreSQL, external or embedded. */
final class StorageReader {

    /** Why a listen URL without a storage URL is refused. */
    static final String LISTEN_URL_NEEDS_URL = "needs storage.postgres.url: without one the node runs an embedded PostgreSQL, "
            + "which it always reaches directly";

    private StorageReader() {
    }

    static StorageConfig read(ConfigNode n) {
        ConfigNode pg = n.child("postgres");
        String url = pg.string("url", null);
        if (url != null && !url.startsWith("jdbc:postgresql:")) {
            pg.problem("url", "must be a JDBC URL starting with jdbc:postgresql:, got '" + url + "'");
        }
        String listenUrl = pg.string("listenUrl", null);
        if (listenUrl != null && !listenUrl.startsWith("jdbc:postgresql:")) {
            pg.problem("listenUrl", "must be a JDBC URL starting with jdbc:postgresql:, got '" + listenUrl + "'");
            listenUrl = null;
        } else if (listenUrl != null && url == null) {
            pg.problem("listenUrl", LISTEN_URL_NEEDS_URL);
            listenUrl = null;
        }
        StorageConfig config = new StorageConfig(url, listenUrl, pg.string("user", null), pg.string("password", null),
                pg.integer("poolSize", StorageConfig.DEFAULT_POOL_SIZE, 1, 1000),
                pg.duration("connectionTimeout", StorageConfig.DEFAULT_CONNECTION_TIMEOUT, Duration.ofMillis(250), Duration.ofMinutes(5)),
                pg.string("dataDir", StorageConfig.DEFAULT_DATA_DIR));
        pg.rejectUnknownKeys();
        n.rejectUnknownKeys();
        return config;
    }
}
