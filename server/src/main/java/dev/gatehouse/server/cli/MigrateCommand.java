package dev.gatehouse.server.cli;

import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.server.store.Database;
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
        GatewayConfig loaded = ConfigFiles.loadOrReport(config, spec.commandLine().getErr());
        if (loaded == null) {
            return ConfigFiles.INVALID;
        }
        try (Database db = Database.open(loaded.storage(), null)) {
            spec.commandLine().getOut().println("database schema is up to date");
            return 0;
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("migration failed: " + e.getMessage());
            return 1;
        }
    }
}
