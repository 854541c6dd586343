package dev.gatehouse.server.cli;

import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class TiersCommandTest {

    static TestDatabase database;
    @TempDir
    static Path dir;
    static String config;

    @BeforeAll
    static void setUp() throws IOException {
        database = TestPostgres.newDatabase();
        config = CliRun.configFile(dir, database, """
                upstreams: {svc: {targets: [{url: "http://127.0.0.1:9"}]}}
                routes:
                  - {name: exports, match: {prefix: /exports}, upstream: svc, rateLimit: {tiers: true, mode: local, cost: 50}}
                """).toString();
    }

    @AfterAll
    static void tearDown() {
        database.close();
    }

    @Test
    void listShowsTheDefaultTiersAndSetCreatesOrReplacesOne() {
        CliRun listed = CliRun.run("tiers", "list", "--config", config);
        assertThat(listed.code()).as(listed.err()).isZero();
        assertThat(listed.out()).containsPattern("anonymous +100/min").containsPattern("free +1000/min")
                .containsPattern("pro +10000/min").containsPattern("enterprise +100000/min");

        CliRun set = CliRun.run("tiers", "set", "--config", config, "gold", "10/s", "5000/hour");
        assertThat(set.code()).as(set.err()).isZero();
        assertThat(set.out()).contains("tier gold: 10/s 5000/hour");
        assertThat(set.err()).as("10/s is below the exports route's cost of 50")
                .contains("warning: route 'exports' costs 50 a request, more than '10/s': callers of tier 'gold' can never pass it");
        assertThat(CliRun.run("tiers", "list", "--config", config).out()).containsPattern("gold +10/s 5000/hour");

        CliRun replaced = CliRun.run("tiers", "set", "--config", config, "gold", "100/s");
        assertThat(replaced.code()).isZero();
        assertThat(replaced.err()).doesNotContain("warning");
        assertThat(CliRun.run("tiers", "list", "--config", config).out()).containsPattern("gold +100/s\\R").doesNotContain("5000/hour");
    }

    @Test
    void badNamesAndRatesAreNamedAndChangeNothing() {
        CliRun badRate = CliRun.run("tiers", "set", "--config", config, "silver", "10/fortnight");
        assertThat(badRate.code()).isEqualTo(2);
        assertThat(badRate.err()).contains("'10/fortnight' has an unknown period 'fortnight'");
        CliRun badName = CliRun.run("tiers", "set", "--config", config, "Silver!", "10/s");
        assertThat(badName.code()).isEqualTo(2);
        assertThat(badName.err()).contains("a tier name is 1 to 32 lower-case letters");
        CliRun twice = CliRun.run("tiers", "set", "--config", config, "silver", "10/s", "20/second");
        assertThat(twice.code()).isEqualTo(2);
        assertThat(twice.err()).contains("a policy has one rate per window");
        assertThat(CliRun.run("tiers", "set", "--config", config, "silver").err()).as("picocli names the missing part").contains("RATE");
        assertThat(CliRun.run("tiers", "list", "--config", config).out()).doesNotContain("silver", "Silver");
    }
}
