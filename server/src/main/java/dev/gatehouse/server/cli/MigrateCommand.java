package dev.gatehouse.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code gatehouse migrate}: bring the database schema up to date and exit. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Apply pending database migrations to the configured PostgreSQL and exit.")
final class MigrateCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "gatehouse.yaml",
            description = "Configuration file (default: ${DEFAULT-VALUE}).")
    Path config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return ConfigFiles.withDatabase(config, spec.commandLine().getErr(), "migration", (loaded, db) -> {
            spec.commandLine().getOut().println("database schema is up to date");
            return 0;
        });
    }
}
