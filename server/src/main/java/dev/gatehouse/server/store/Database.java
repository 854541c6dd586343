package dev.gatehouse.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.gatehouse.core.config.StorageConfig;
import io.micrometer.core.instrument.MeterRegistry;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Gatehouse's PostgreSQL: a bounded HikariCP pool (its size is a hard cap) over either the configured
 * server or an embedded one, migrated with Flyway before use. All calls block: run them off the event loop.
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final HikariDataSource pool;
    private final EmbeddedDatabase embedded;
    private final String jdbcUrl;
    /** Where LISTENs go: PostgreSQL itself when {@link #jdbcUrl} is a pooler's. */
    private final String listenUrl;
    private final String user;
    private final String password;
    private final long connectTimeoutSeconds;

    private Database(HikariDataSource pool, EmbeddedDatabase embedded, String jdbcUrl, String listenUrl, String user, String password,
                     long connectTimeoutSeconds) {
        this.pool = pool;
        this.embedded = embedded;
        this.jdbcUrl = jdbcUrl;
        this.listenUrl = listenUrl;
        this.user = user;
        this.password = password;
        this.connectTimeoutSeconds = connectTimeoutSeconds;
    }

    /**
     * A connection of its own, outside the pool, for the request-log writer (a {@code LISTEN} takes
     * {@link #openListenConnection()}): holding a pooled one forever would quietly shrink the pool. Connecting
     * gives up after the storage's {@code connectionTimeout}, as the pool does.
     */
    public Connection openDedicatedConnection() throws SQLException {
        return openDedicatedConnection(jdbcUrl);
    }

    /**
     * As {@link #openDedicatedConnection()}, for a long-lived {@code LISTEN}: to {@code storage.postgres.listenUrl} when
     * set (with the storage's credentials), since through a pooler in transaction mode a LISTEN hears nothing once its
     * transaction ends, and PgBouncer drops the notices that reach it meanwhile.
     */
    public Connection openListenConnection() throws SQLException {
        return openDedicatedConnection(listenUrl);
    }

    private Connection openDedicatedConnection(String url) throws SQLException {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("connectTimeout", Long.toString(connectTimeoutSeconds));
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        return java.sql.DriverManager.getConnection(url, props);
    }

    /** Starts the embedded server if no URL is configured, opens the pool and applies pending migrations. */
    public static Database open(StorageConfig config, MeterRegistry registry) {
        EmbeddedDatabase embedded = null;
        String url = config.url();
        String user = config.user();
        String password = config.password();
        if (config.embedded()) {
            embedded = EmbeddedDatabase.start(config.dataDir());
            url = embedded.jdbcUrl();
            user = "postgres";
            password = null;
        }
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("gatehouse-db");
        hikari.setJdbcUrl(url);
        if (user != null) {
            hikari.setUsername(user);
        }
        if (password != null) {
            hikari.setPassword(password);
        }
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setMinimumIdle(Math.min(2, config.poolSize()));
        hikari.setConnectionTimeout(config.connectionTimeout().toMillis());
        hikari.setInitializationFailTimeout(config.connectionTimeout().toMillis());
        if (registry != null) {
            hikari.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
        }
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw new IllegalStateException("cannot connect to PostgreSQL at " + StorageConfig.redacted(url) + ": " + rootMessage(e), e);
        }
        String listenUrl = config.listenUrl() != null ? config.listenUrl() : url;
        Database db = new Database(pool, embedded, url, listenUrl, user, password, Math.max(1, config.connectionTimeout().toSeconds()));
        try {
            db.migrate();
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    private void migrate() {
        Flyway flyway = Flyway.configure()
                .dataSource(pool)
                .locations("classpath:db/migration")
                .table("gatehouse_schema_history")
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load();
        int applied = flyway.migrate().migrationsExecuted;
        if (applied > 0) {
            log.info("applied {} database migration(s)", applied);
        }
    }

    public DataSource dataSource() {
        return pool;
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public int poolSize() {
        return pool.getMaximumPoolSize();
    }

    /** Whether a connection can be had and answers within the timeout. Blocking. */
    public boolean ping(int timeoutSeconds) {
        try (Connection c = pool.getConnection()) {
            return c.isValid(timeoutSeconds);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        pool.close();
        if (embedded != null) {
            embedded.close();
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
