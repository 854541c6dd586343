package dev.gatehouse.server.cli;

import dev.gatehouse.server.logs.RequestLogRows;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import static org.assertj.core.api.Assertions.assertThat;

class AnalyticsCommandTest {

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
        Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(2));
        rows.rollup(minute, "orders", 2, "pro", 95, 2_000, 0, 0, 0);
        rows.rollup(minute, "orders", 5, "pro", 5, 400_000, 0, 0, 0);
        rows.rollup(minute, "catalog", 2, "free", 50, 1_000, 0, 40, 50);
        rows.rollup(minute, "catalog", 4, "free", 10, 1_000, 10, 0, 0);
        rows.keyRollup(minute, 12, 60, 1, 2);
    }

    @AfterAll
    static void tearDown() {
        database.close();
    }

    @Test
    void analyticsPrintsTheSummaryOfTheRange() {
        CliRun run = CliRun.run("analytics", "--config", config.toString(), "--since", "1h");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("Requests   160 (")
                .contains("Errors     5 5xx (3.13 %), 10 4xx, 10 429")
                .contains("p99 " + String.format(java.util.Locale.ROOT, "%.1f ms", RequestLogRows.bucketMs(400_000)))
                .contains("Cache      80.0 % hits (40 of 50)")
                .contains("Statuses   2xx 145  4xx 10  5xx 5")
                .contains("Top routes", "orders", "catalog", "Top keys", "12");
        assertThat(run.out().indexOf("orders")).as("busiest first").isLessThan(run.out().indexOf("catalog"));
    }

    @Test
    void aRouteOrTierNarrowsIt() {
        assertThat(CliRun.run("analytics", "--config", config.toString(), "--since", "1h", "--route", "catalog").out())
                .contains("route catalog", "Requests   60 (").doesNotContain("orders");
        assertThat(CliRun.run("analytics", "--config", config.toString(), "--since", "1h", "--tier", "pro").out()).contains("Requests   100 (");
    }

    @Test
    void aRangeLongerThanRollupsAreKeptIsRefused() {
        CliRun run = CliRun.run("analytics", "--config", config.toString(), "--since", "120d");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("the range is at most 90d (rollups are kept logs.rollupRetention), got 120d");
    }
}
