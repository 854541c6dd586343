package dev.gatehouse.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CliTest {

    record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new GatehouseCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsTheSubcommands() {
        Run run = run("--help");
        assertThat(run.exitCode()).isZero();
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
        Run run = run("check-config", file.toString());
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("is valid: 1 route(s), 1 upstream(s)");
    }

    @Test
    void theExampleConfigurationInTheRepositoryIsValid() {
        Run run = run("check-config", "../gatehouse.example.yaml");
        assertThat(run.exitCode()).as(run.err()).isZero();
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
        Run run = run("check-config", file.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains(file + ": gateway.port: must be a whole number, got 'http'")
                .contains(file + ": routes[0].upstream: no upstream named 'nowhere' (none are defined)");
    }

    @Test
    void checkConfigReportsYamlSyntaxErrorsWithTheirLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("syntax.yaml");
        Files.writeString(file, "gateway:\n  port: 8080\n routes: [\n");
        Run run = run("check-config", file.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("is not valid YAML: line");
    }

    @Test
    void aMissingFileIsNamed() {
        Run run = run("check-config", "/nonexistent/gatehouse.yaml");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("/nonexistent/gatehouse.yaml: file not found");
    }

    @Test
    void unknownOptionsAreRefusedWithUsage() {
        Run run = run("serve", "--confg", "x.yaml");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown options: '--confg'", "Possible solutions: --config");
    }

    @Test
    void demoRefusesClashingPorts() {
        Run run = run("demo", "--port", "3001");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("must all differ");
    }
}
