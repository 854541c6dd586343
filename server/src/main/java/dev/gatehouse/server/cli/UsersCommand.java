package dev.gatehouse.server.cli;

import dev.gatehouse.server.auth.UserStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code gatehouse users create}: add a user (the first admin of a real deployment comes from here). */
@Command(name = "users", mixinStandardHelpOptions = true, description = "Manage users in the configured PostgreSQL.",
        subcommands = {UsersCommand.Create.class})
final class UsersCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a user; the password is asked for when not given.")
    static final class Create implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "gatehouse.yaml", description = "Configuration file (default: ${DEFAULT-VALUE}).")
        Path config;

        @Option(names = "--email", required = true, description = "The user's email, used to log in.")
        String email;

        @Option(names = "--password", arity = "0..1", interactive = true, required = true,
                description = "The password (at least 8 characters); omit the value to be prompted without echo.")
        String password;

        @Option(names = "--role", defaultValue = "user", description = "admin or user (default: ${DEFAULT-VALUE}).")
        String role;

        @Option(names = "--tier", defaultValue = "free", description = "Rate-limit tier (default: ${DEFAULT-VALUE}).")
        String tier;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            return ConfigFiles.withDatabase(config, err, "gatehouse users", (loaded, db) -> {
                UserStore.User user = new UserStore(db.dataSource(), loaded.identity().passwordIterations()).create(email, password, role, tier);
                spec.commandLine().getOut().printf("created %s %s (id %d, tier %s)%n", user.role(), user.email(), user.id(), user.tier());
                return 0;
            });
        }
    }
}
