package dev.gatehouse.server.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Nodes on the embedded PostgreSQL, run as processes of their own: one killed with -9, one still running. */
class EmbeddedDatabaseRestartTest {

    @TempDir
    Path dir;

    private final List<Process> nodes = new ArrayList<>();

    @AfterEach
    void stopNodes() throws InterruptedException {
        for (Process node : nodes) {
            node.destroy();
            node.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private Path config() throws IOException {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, """
                gateway: {host: 127.0.0.1, port: 0}
                admin: {port: 0}
                storage: {postgres: {dataDir: "%s"}}
                observability: {accessLog: off}
                """.formatted(dir.resolve("pg")));
        return file;
    }

    /** A node serving from {@code config}, once it says it serves. */
    private Process serve(Path config, String name) throws IOException {
        Path output = dir.resolve(name + ".out");
        Process node = CliProcess.start(Map.of("GATEHOUSE_LOG_LEVEL", "INFO"), output, "serve", "--config", config.toString());
        nodes.add(node);
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                .failFast(name + " exited", () -> assertThat(node.isAlive()).as(Files.readString(output)).isTrue())
                .until(() -> Files.readString(output).contains(" (admin "));
        return node;
    }

    /** The PostgreSQL server running on the data directory, per its postmaster.pid. */
    private Optional<ProcessHandle> postgres() throws IOException {
        Path pidFile = dir.resolve("pg").resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(Files.readAllLines(pidFile).get(0).trim())).filter(ProcessHandle::isAlive);
    }

    @Test
    void aNodeStartsAfterTheLastOneWasKilledWithSignalNineLeavingItsPostgresRunning() throws Exception {
        Path config = config();
        Process first = serve(config, "first");
        ProcessHandle leftOver = postgres().orElseThrow();

        first.destroyForcibly();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(leftOver.isAlive()).as("kill -9 leaves the embedded server running").isTrue();

        CliRun keys = CliRun.run("keys", "list", "--config", config.toString());
        assertThat(keys.code()).as("a command on the same directory: " + keys.err()).isZero();
        assertThat(leftOver.isAlive()).as("the server left behind was stopped").isFalse();

        Process second = serve(config, "second");
        ProcessHandle again = postgres().orElseThrow();
        second.destroyForcibly();
        second.waitFor(30, TimeUnit.SECONDS);
        serve(config, "third");
        assertThat(again.isAlive()).as("each start stops what a killed node left").isFalse();
    }

    @Test
    void whileANodeRunsOnTheDirectoryEveryOtherCommandSaysSoInOneLine() throws Exception {
        Path config = config();
        serve(config, "running");
        String expected = "a node is running on " + dir.resolve("pg") + ": stop it or use the admin API";

        for (String[] command : new String[][]{{"keys", "list"}, {"users", "list"}, {"tiers", "list"}, {"migrate"}}) {
            List<String> args = new ArrayList<>(List.of(command));
            args.addAll(List.of("--config", config.toString()));
            CliRun run = CliRun.run(args.toArray(String[]::new));
            assertThat(run.code()).as(String.join(" ", command)).isEqualTo(1);
            assertThat(run.err()).as(String.join(" ", command)).isEqualTo(expected + System.lineSeparator());
        }
        CliRun second = CliProcess.run(Map.of(), dir, "serve", "--config", config.toString());
        assertThat(second.code()).isEqualTo(1);
        assertThat(second.out()).contains("gatehouse could not start: " + expected).doesNotContain("Exception", "\tat ");
    }
}
