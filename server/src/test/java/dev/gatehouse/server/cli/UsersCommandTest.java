package dev.gatehouse.server.cli;

import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.ResultSet;

import static org.assertj.core.api.Assertions.assertThat;

class UsersCommandTest {

    static TestDatabase database;
    @TempDir
    static Path dir;
    static Path config;

    @BeforeAll
    static void setUp() throws IOException {
        database = TestPostgres.newDatabase();
        config = CliRun.configFile(dir, database, "auth: {passwordIterations: 100000}\n");
    }

    @AfterAll
    static void tearDown() {
        database.close();
    }

    private static CliRun run(String stdin, String... args) {
        return CliRun.withInput(stdin, args);
    }

    @Test
    void theFirstAdminComesFromTheCommandLineWithThePasswordPipedInNotOnTheCommandLine() throws Exception {
        CliRun created = run("a long admin password\n", "users", "create", "--config", config.toString(), "--email", "Ada@Example.com", "--role", "admin");
        assertThat(created.code()).as(created.err()).isZero();
        assertThat(created.out()).contains("created admin ada@example.com");
        try (var c = database.connect(); var s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT role, password_hash FROM gatehouse_users WHERE email = 'ada@example.com'")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).isEqualTo("admin");
            assertThat(r.getString(2)).doesNotContain("a long admin password");
        }
    }

    @Test
    void listShowsUsersWithoutTheirPasswordsAndFiltersByRoleAndTier() {
        assertThat(run("a long password\n", "users", "create", "--config", config.toString(), "--email", "lister@example.com",
                "--role", "admin", "--tier", "pro").code()).isZero();
        assertThat(run("a long password\n", "users", "create", "--config", config.toString(), "--email", "plain@example.com").code()).isZero();

        CliRun all = run("", "users", "list", "--config", config.toString());
        assertThat(all.out()).contains("lister@example.com", "plain@example.com", "admin", "pro").doesNotContain("a long password");
        assertThat(run("", "users", "list", "--config", config.toString(), "--role", "admin").out())
                .contains("lister@example.com").doesNotContain("plain@example.com");
        assertThat(run("", "users", "list", "--config", config.toString(), "--tier", "free").out())
                .contains("plain@example.com").doesNotContain("lister@example.com");
        CliRun badRole = run("", "users", "list", "--config", config.toString(), "--role", "owner");
        assertThat(badRole.code()).isEqualTo(2);
        assertThat(badRole.err()).contains("a user's role is one of admin, user, got 'owner'");
        assertThat(run("", "users", "list", "--config", config.toString(), "--tier", "gold").err()).contains("no tier named 'gold'");
    }

    @Test
    void missingWeakOrDuplicatePasswordsAndEmailsAreRefusedByName() {
        CliRun none = run("", "users", "create", "--config", config.toString(), "--email", "none@example.com");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("no password given");
        CliRun weak = run("short\n", "users", "create", "--config", config.toString(), "--email", "weak@example.com");
        assertThat(weak.code()).isEqualTo(2);
        assertThat(weak.err()).contains("a password needs at least 8 characters");
        assertThat(run("long enough\n", "users", "create", "--config", config.toString(), "--email", "twice@example.com").code()).isZero();
        CliRun twice = run("long enough\n", "users", "create", "--config", config.toString(), "--email", "TWICE@example.com");
        assertThat(twice.code()).isEqualTo(2);
        assertThat(twice.err()).contains("a user with email twice@example.com already exists");
        CliRun role = run("long enough\n", "users", "create", "--config", config.toString(), "--email", "root@example.com", "--role", "root");
        assertThat(role.err()).contains("role must be admin or user, got 'root'");
    }
}
