package dev.gatehouse.shortener;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;

import javax.sql.DataSource;

/**
 * The shortener's PostgreSQL: a bounded pool and the {@code shortener} schema, migrated by Flyway at start
 * (instances starting together serialise on Flyway's lock). Blocking: used off the event loop only.
 */
public final class ShortenerDatabase implements AutoCloseable {
    private final HikariDataSource pool;

    public ShortenerDatabase(String jdbcUrl, int poolSize, io.micrometer.core.instrument.MeterRegistry meters) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(1);
        config.setPoolName("shortener-db");
        config.setConnectionTimeout(5000);
        config.setMetricRegistry(meters); // hikaricp_connections_* {pool=shortener-db}: the pool's use against its bound
        this.pool = new HikariDataSource(config);
        try {
            Flyway.configure().dataSource(pool).schemas("shortener").defaultSchema("shortener")
                    .locations("classpath:shortener/migration").table("schema_history").load().migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw new IllegalStateException("cannot migrate the shortener schema: " + e.getMessage(), e);
        }
    }

    public DataSource dataSource() {
        return pool;
    }

    public boolean ping() {
        try (var c = pool.getConnection()) {
            return c.isValid(2);
        } catch (java.sql.SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
