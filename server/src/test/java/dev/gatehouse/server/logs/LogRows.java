package dev.gatehouse.server.logs;

import dev.gatehouse.core.config.LogsConfig;
import dev.gatehouse.core.config.StorageConfig;
import dev.gatehouse.server.store.Database;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.RequiredSearch;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/** Rows, settings and look-ups the request-log tests share. */
final class LogRows {

    private LogRows() {
    }

    /** A test database with Gatehouse's schema. */
    static Database migrated(String jdbcUrl) {
        return Database.open(new StorageConfig(jdbcUrl, null, null, 2, Duration.ofSeconds(5), null), null);
    }

    /** logs: settings with small batches and a quick interval. */
    static LogsConfig config(int queue, int batchRows, long spoolMaxBytes) {
        return new LogsConfig(true, LogsConfig.DEFAULT_RETENTION, LogsConfig.DEFAULT_ROLLUP_RETENTION, 3, queue, batchRows,
                Duration.ofMillis(20), null, spoolMaxBytes);
    }

    /** A plain successful request at {@code timeMicros}. */
    static RequestLogRow row(long timeMicros, String requestId, String route, int status, long durationMicros) {
        return new RequestLogRow(timeMicros, requestId, route, "GET", "/" + route + "/" + requestId, status, durationMicros,
                durationMicros / 2, 10, 100, "127.0.0.1", null, null, null, null, null, null, "127.0.0.1:9", null, null);
    }

    static long count(Database db, String sql) {
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    static double counter(MeterRegistry registry, String name, String... tags) {
        RequiredSearch search = registry.get(name);
        if (tags.length > 0) {
            search = search.tags(tags);
        }
        return search.counter().count();
    }

    static double gauge(MeterRegistry registry, String name) {
        return registry.get(name).gauge().value();
    }

    static long segments(Path spool) {
        try (var files = java.nio.file.Files.list(spool)) {
            return files.filter(f -> f.toString().endsWith(".seg")).count();
        } catch (java.nio.file.NoSuchFileException e) {
            return 0;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
