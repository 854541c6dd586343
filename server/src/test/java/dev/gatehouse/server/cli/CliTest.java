package dev.gatehouse.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CliTest {

    private static CliRun run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void helpListsTheSubcommands() {
        CliRun run = run("--help");
        assertThat(run.code()).isZero();
        assertThat(run.out()).contains("serve", "demo", "check-config", "migrate");
    }

    @Test
    void checkConfigAcceptsAValidFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, """
                upstreams:
                  api: {targets: [{url: "http://127.0.0.1:3001"}]}
                routes:
                  - {name: api, match: {prefix: /api}, upstream: api}
                """);
        CliRun run = run("check-config", file.toString());
        assertThat(run.code()).isZero();
        assertThat(run.out()).contains("is valid: 1 route(s), 1 upstream(s)");
    }

    @Test
    void theExampleConfigurationInTheRepositoryIsValid() {
        CliRun run = run("check-config", "../gatehouse.example.yaml");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("2 route(s), 1 upstream(s)");
    }

    @Test
    void checkConfigNamesTheFileAndKeyOfEveryProblem(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, """
                gateway: {port: http}
                routes:
                  - {name: api, match: {prefix: /api}, upstream: nowhere}
                """);
        CliRun run = run("check-config", file.toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains(file + ": gateway.port: must be a whole number, got 'http'")
                .contains(file + ": routes[0].upstream: no upstream named 'nowhere' (none are defined)");
    }

    @Test
    void checkConfigReportsYamlSyntaxErrorsWithTheirLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("syntax.yaml");
        Files.writeString(file, "gateway:\n  port: 8080\n routes: [\n");
        CliRun run = run("check-config", file.toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("is not valid YAML: line");
    }

    @Test
    void aMissingFileIsNamed() {
        CliRun run = run("check-config", "/nonexistent/gatehouse.yaml");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("/nonexistent/gatehouse.yaml: file not found");
    }

    @Test
    void unknownOptionsAreRefusedWithUsage() {
        CliRun run = run("serve", "--confg", "x.yaml");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown options: '--confg'", "Possible solutions: --config");
    }

    @Test
    void demoRefusesClashingPorts() {
        CliRun run = run("demo", "--port", "3001");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("must all differ");
    }

    @Test
    void demoRefusesAClusterItCannotRunNamingTheOption() {
        assertThat(run("demo", "--nodes", "0").err()).contains("--nodes must be between 1 and 9, got 0");
        assertThat(run("demo", "--nodes", "12").err()).contains("--nodes must be between 1 and 9, got 12");
        assertThat(run("demo", "--node-ports", "9001,9002").err()).contains("--node-ports is for --nodes 2 or more");
        assertThat(run("demo", "--nodes", "3", "--node-ports", "9001,9002").err())
                .contains("--node-ports needs one port per node (3), got [9001, 9002]");
        assertThat(run("demo", "--nodes", "2", "--node-admin-ports", "9101,9102").err())
                .contains("--node-admin-ports needs a port for each node after the first (1), got [9101, 9102]");
        assertThat(run("demo", "--nodes", "2", "--node-ports", "8081,9002").err()).as("the first node's admin port")
                .contains("must all differ");
        assertThat(run("demo", "--nodes", "2", "--redis", "localhost:6379").err())
                .contains("--redis must be a URL like redis://host:6379, got 'localhost:6379'");
        assertThat(run("demo", "--nodes", "2", "--redis", "redis://").code()).isEqualTo(2);
    }
}
