package dev.gatehouse.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code gatehouse migrate}: bring the database schema up to date and exit. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Apply pending database migrations to the configured PostgreSQL and exit.")
final class MigrateCommand implements Callable<Integer> {

    @CommandLine.Mixin
    ConfigFileOption config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return ConfigFiles.withDatabase(config.path, spec.commandLine().getErr(), "migration", (loaded, db) -> {
            spec.commandLine().getOut().println("database schema is up to date");
            return 0;
        });
    }
}
