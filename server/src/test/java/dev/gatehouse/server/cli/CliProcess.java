package dev.gatehouse.server.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code gatehouse} command run as a process of its own, from this JVM's class path: for what an in-process
 * run cannot show (environment variables, a process killed with -9).
 */
final class CliProcess {

    private CliProcess() {
    }

    /** Starts {@code gatehouse args…} with {@code environment} added to this process's, its output (both streams) going to {@code output}. */
    static Process start(Map<String, String> environment, Path output, String... args) throws IOException {
        return start(null, environment, output, args);
    }

    /** As {@link #start(Map, Path, String...)}, in the working directory {@code directory} (null: this process's). */
    static Process start(Path directory, Map<String, String> environment, Path output, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), GatehouseCommand.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** Runs {@code gatehouse args…} to its end (at most a minute): its exit code and what it printed. */
    static CliRun run(Map<String, String> environment, Path dir, String... args) throws IOException, InterruptedException {
        Path output = Files.createTempFile(dir, "cli", ".out");
        Process process = start(environment, output, args);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("gatehouse " + String.join(" ", args) + " did not finish within a minute: " + Files.readString(output));
        }
        String printed = Files.readString(output);
        return new CliRun(process.exitValue(), printed, printed);
    }
}
