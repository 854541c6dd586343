package dev.gatehouse.server.cli;

import dev.gatehouse.server.logs.RequestLogRows;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class LogsCommandTest {

    static TestDatabase database;
    @TempDir
    static Path dir;
    static Path config;

    @BeforeAll
    static void setUp() throws Exception {
        database = TestPostgres.newDatabase();
        config = CliRun.configFile(dir, database, "");
        assertThat(CliRun.run("migrate", "--config", config.toString()).code()).isZero();
        RequestLogRows rows = new RequestLogRows(database);
        Instant now = Instant.now();
        rows.row(now.minusSeconds(30), "orders-ok", "orders", 200, 1_500, 4L, "pro", null);
        rows.row(now.minusSeconds(20), "orders-down", "orders", 503, 250_000, null, null, null);
        rows.row(now.minusSeconds(10), "catalog-down", "catalog", 502, 1_000, null, null, null);
        rows.row(now.minusSeconds(3 * 3600), "orders-old", "orders", 500, 1_000, null, null, null);
    }

    @AfterAll
    static void tearDown() {
        database.close();
    }

    @Test
    void logsPrintsTheMatchingRequestsNewestFirstOneALine() {
        CliRun run = CliRun.run("logs", "--config", config.toString(), "--since", "15m", "--status", "5xx");
        assertThat(run.code()).as(run.err()).isZero();
        String[] lines = run.out().strip().split("\n");
        assertThat(lines[0]).startsWith("TIME").contains("STATUS", "ROUTE", "MS", "REQUEST ID", "PATH");
        assertThat(lines).hasSize(3);
        assertThat(lines[1]).contains("502", "catalog", "catalog-down", "/catalog");
        assertThat(lines[2]).contains("503", "orders", "250.000", "orders-down");

        assertThat(CliRun.run("logs", "--config", config.toString(), "--since", "15m", "--status", "5xx", "--route", "orders").out())
                .contains("orders-down").doesNotContain("catalog-down", "orders-old");
        assertThat(CliRun.run("logs", "--config", config.toString(), "--since", "4h", "--status", "500").out()).contains("orders-old");
        assertThat(CliRun.run("logs", "--config", config.toString(), "--key", "4").out()).contains("orders-ok", "key:4").doesNotContain("down");
    }

    @Test
    void aRequestIdIsFoundAcrossEverythingKept() {
        CliRun run = CliRun.run("logs", "--config", config.toString(), "--request-id", "orders-old");
        assertThat(run.out()).contains("orders-old", "500");
    }

    @Test
    void aLimitShowsTheNewestAndSaysMoreMatch() {
        CliRun run = CliRun.run("logs", "--config", config.toString(), "--limit", "1");
        assertThat(run.out()).contains("catalog-down").doesNotContain("orders-down");
        assertThat(run.err()).contains("more requests match: showing the newest 1");
        CliRun none = CliRun.run("logs", "--config", config.toString(), "--route", "nowhere");
        assertThat(none.code()).isZero();
        assertThat(none.err()).contains("no requests match from ");
    }

    @Test
    void badOptionsAreRefusedByName() {
        CliRun status = CliRun.run("logs", "--config", config.toString(), "--status", "5x");
        assertThat(status.code()).isEqualTo(2);
        assertThat(status.err()).contains("status must be a status such as 503 or a class such as 5xx, got '5x'");
        CliRun since = CliRun.run("logs", "--config", config.toString(), "--since", "a while");
        assertThat(since.code()).isEqualTo(2);
        assertThat(since.err()).contains("since must be a duration such as 15m, 1h, 24h or 7d, got 'a while'");
        assertThat(CliRun.run("logs", "--config", config.toString(), "--limit", "0").err()).contains("limit must be from 1 to 1000, got 0");
    }
}
