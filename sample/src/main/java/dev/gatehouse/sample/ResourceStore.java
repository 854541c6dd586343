package dev.gatehouse.sample;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The sample's resources, kept in PostgreSQL in a schema of their own. Blocking: call off the event loop. */
public final class ResourceStore implements AutoCloseable {

    /** A stored resource. */
    public record Resource(long id, String name, String type, String createdAt, String updatedAt) {
    }

    private final HikariDataSource pool;

    public ResourceStore(String jdbcUrl, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(1);
        config.setPoolName("sample-db");
        config.setConnectionTimeout(5000);
        this.pool = new HikariDataSource(config);
        migrate();
    }

    /** Creates the schema once; concurrent instances serialise on an advisory lock. Seeds three resources. */
    private void migrate() {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(727272)");
                s.execute("CREATE SCHEMA IF NOT EXISTS sample");
                s.execute("CREATE TABLE IF NOT EXISTS sample.resources ("
                        + "id bigserial PRIMARY KEY, name text NOT NULL, type text NOT NULL, "
                        + "created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())");
                try (ResultSet r = s.executeQuery("SELECT count(*) FROM sample.resources")) {
                    r.next();
                    if (r.getLong(1) == 0) {
                        s.execute("INSERT INTO sample.resources (name, type) VALUES "
                                + "('Getting started guide', 'document'), ('Logo', 'image'), ('Quarterly report', 'document')");
                    }
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare the sample schema: " + e.getMessage(), e);
        }
    }

    public List<Resource> list(int limit, int offset) throws SQLException {
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement(SELECT + " ORDER BY id LIMIT ? OFFSET ?")) {
            s.setInt(1, limit);
            s.setInt(2, offset);
            try (ResultSet r = s.executeQuery()) {
                List<Resource> result = new ArrayList<>();
                while (r.next()) {
                    result.add(read(r));
                }
                return result;
            }
        }
    }

    public Optional<Resource> find(long id) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(SELECT + " WHERE id = ?")) {
            s.setLong(1, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(read(r)) : Optional.empty();
            }
        }
    }

    public Resource create(String name, String type) throws SQLException {
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO sample.resources (name, type) VALUES (?, ?) RETURNING "
                     + COLUMNS)) {
            s.setString(1, name);
            s.setString(2, type);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return read(r);
            }
        }
    }

    public Optional<Resource> update(long id, String name, String type) throws SQLException {
        try (Connection c = pool.getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE sample.resources SET name = ?, type = ?, updated_at = now() "
                     + "WHERE id = ? RETURNING " + COLUMNS)) {
            s.setString(1, name);
            s.setString(2, type);
            s.setLong(3, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(read(r)) : Optional.empty();
            }
        }
    }

    public boolean delete(long id) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement("DELETE FROM sample.resources WHERE id = ?")) {
            s.setLong(1, id);
            return s.executeUpdate() == 1;
        }
    }

    public boolean ping() {
        try (Connection c = pool.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        pool.close();
    }

    private static final String COLUMNS = "id, name, type, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
            + "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
    private static final String SELECT = "SELECT " + COLUMNS + " FROM sample.resources";

    private static Resource read(ResultSet r) throws SQLException {
        return new Resource(r.getLong(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5));
    }
}
