package dev.gatehouse.server.cli;

import dev.gatehouse.testkit.TestDatabase;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code gatehouse} command run in process, as a script would: no terminal, what it prints and its exit code. */
record CliRun(int code, String out, String err) {

    /** A gatehouse.yaml in {@code dir} on {@code database}, with {@code more} YAML after the storage line. */
    static Path configFile(Path dir, TestDatabase database, String more) throws IOException {
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, "storage: {postgres: {url: \"" + database.jdbcUrl() + "\"}}\n" + more);
        return config;
    }

    static CliRun run(String... args) {
        return withInput("", args);
    }

    /** Runs with {@code stdin} as standard input. */
    static CliRun withInput(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new GatehouseCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        InputStream original = System.in;
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            return new CliRun(cli.execute(args), out.toString(), err.toString());
        } finally {
            System.setIn(original);
        }
    }
}
