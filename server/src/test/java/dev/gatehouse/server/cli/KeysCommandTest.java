package dev.gatehouse.server.cli;

import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class KeysCommandTest {

    static TestDatabase database;
    @TempDir
    static Path dir;
    static Path config;

    @BeforeAll
    static void setUp() throws IOException {
        database = TestPostgres.newDatabase();
        config = CliRun.configFile(dir, database, """
                upstreams: {svc: {targets: [{url: "http://127.0.0.1:9"}]}}
                routes:
                  - {name: reports, match: {prefix: /reports}, upstream: svc, rateLimit: {tiers: true, mode: local, cost: 20}}
                """);
    }

    @AfterAll
    static void tearDown() {
        database.close();
    }

    private static CliRun run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void createPrintsTheKeyOnceListShowsOnlyItsPrefixAndRevokeEndsIt() {
        CliRun created = run("keys", "create", "--config", config.toString(), "--name", "ci bot", "--tier", "pro", "--scope", "admin");
        assertThat(created.code()).as(created.err()).isZero();
        String key = created.out().trim();
        assertThat(ApiKeys.looksLikeKey(key)).isTrue();
        assertThat(created.err()).contains("Store it now: it cannot be shown again");

        CliRun listed = run("keys", "list", "--config", config.toString());
        assertThat(listed.out()).contains(ApiKeys.prefix(key), "ci bot", "active").doesNotContain(key);

        assertThat(run("keys", "revoke", "--config", config.toString(), ApiKeys.prefix(key)).code()).isZero();
        assertThat(run("keys", "list", "--config", config.toString()).out()).contains("revoked");
        CliRun again = run("keys", "revoke", "--config", config.toString(), ApiKeys.prefix(key));
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("no active key has id or prefix");
    }

    @Test
    void listTakesOnlyTheKeysOfAStateOrTier() {
        String pro = run("keys", "create", "--config", config.toString(), "--name", "list pro", "--tier", "pro").out().trim();
        String free = run("keys", "create", "--config", config.toString(), "--name", "list free").out().trim();
        run("keys", "revoke", "--config", config.toString(), ApiKeys.prefix(free));

        String proKeys = run("keys", "list", "--config", config.toString(), "--tier", "pro").out();
        assertThat(proKeys).contains(ApiKeys.prefix(pro)).doesNotContain(ApiKeys.prefix(free));
        String revoked = run("keys", "list", "--config", config.toString(), "--state", "revoked").out();
        assertThat(revoked).contains(ApiKeys.prefix(free)).doesNotContain(ApiKeys.prefix(pro));
        assertThat(run("keys", "list", "--config", config.toString(), "--state", "revoked", "--tier", "pro").out())
                .doesNotContain(ApiKeys.prefix(free), ApiKeys.prefix(pro));

        CliRun badState = run("keys", "list", "--config", config.toString(), "--state", "gone");
        assertThat(badState.code()).isEqualTo(2);
        assertThat(badState.err()).contains("a key's state is one of active, expired, revoked, got 'gone'");
        assertThat(run("keys", "list", "--config", config.toString(), "--tier", "gold").err()).contains("no tier named 'gold'");
    }

    @Test
    void anOverrideBelowARoutesCostIsCreatedWithAWarning() {
        CliRun created = run("keys", "create", "--config", config.toString(), "--name", "tight", "--rate-limit", "10/min");
        assertThat(created.code()).as(created.err()).isZero();
        assertThat(ApiKeys.looksLikeKey(created.out().trim())).isTrue();
        assertThat(created.err()).contains("warning: route 'reports' costs 20 a request, more than '10/min': this key can never pass it");
        assertThat(run("keys", "create", "--config", config.toString(), "--name", "roomy", "--rate-limit", "100/min").err())
                .doesNotContain("warning");
    }

    @Test
    void badArgumentsAreNamed() {
        assertThat(run("keys", "create", "--config", config.toString(), "--name", "x", "--tier", "gold").err()).contains("no tier named 'gold'");
        assertThat(run("keys", "create", "--config", config.toString(), "--name", "x", "--rate-limit", "9/fortnight").err())
                .contains("unknown period 'fortnight'");
        assertThat(run("keys", "create", "--config", config.toString(), "--name", "x", "--expires", "tomorrow").err())
                .contains("--expires must be an ISO-8601 instant");
        assertThat(run("keys", "create", "--config", config.toString(), "--name", "x", "--expires", "2020-01-01T00:00:00Z").err())
                .contains("--expires 2020-01-01T00:00:00Z is not in the future");
    }
}
