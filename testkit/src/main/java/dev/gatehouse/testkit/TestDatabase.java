package dev.gatehouse.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** A database created for one test (or test class) on the test PostgreSQL server; closing drops it. */
public final class TestDatabase implements AutoCloseable {
    private final String name;
    private final String jdbcUrl;
    private final String adminUrl;

    TestDatabase(String name, String jdbcUrl, String adminUrl) {
        this.name = name;
        this.jdbcUrl = jdbcUrl;
        this.adminUrl = adminUrl;
    }

    public String name() {
        return name;
    }

    /** A JDBC URL that carries its own credentials, if any. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl);
    }

    @Override
    public void close() {
        TestPostgres.drop(adminUrl, name);
    }
}
