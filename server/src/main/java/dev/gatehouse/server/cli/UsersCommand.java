package dev.gatehouse.server.cli;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.server.auth.UserStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gatehouse users create|list}: add a user (the first admin of a real deployment comes from here), list them. */
@Command(name = "users", mixinStandardHelpOptions = true, description = "Manage users in the configured PostgreSQL.",
        subcommands = {UsersCommand.Create.class, UsersCommand.ListUsers.class})
final class UsersCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a user; the password is asked for when not given.")
    static final class Create implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigFileOption config;

        @Option(names = "--email", required = true, description = "The user's email, used to log in.")
        String email;

        @Option(names = "--password", arity = "0..1", interactive = true, prompt = "Password: ",
                description = "The password (at least 8 characters). Leave it out (or give the flag no value) to type it without echo "
                        + "at a terminal; without one it is read as a line from standard input.")
        String password;

        @Option(names = "--role", defaultValue = "user", description = "admin or user (default: ${DEFAULT-VALUE}).")
        String role;

        @Option(names = "--tier", defaultValue = "free", description = "Rate-limit tier (default: ${DEFAULT-VALUE}).")
        String tier;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter err = spec.commandLine().getErr();
            String secret = password();
            if (secret == null || secret.isEmpty()) {
                err.println("no password given: type it at the prompt, or send it as one line on standard input");
                return 2;
            }
            return ConfigFiles.withDatabase(config.path, err, "gatehouse users", (loaded, db) -> {
                UserStore.User user = new UserStore(db.dataSource(), loaded.identity().passwordIterations(), Clock.system()).create(email, secret, role, tier);
                spec.commandLine().getOut().printf("created %s %s (id %d, tier %s)%n", user.role(), user.email(), user.id(), user.tier());
                return 0;
            });
        }

        /** The password given, else typed at the terminal without echo, else the first line of standard input. */
        private String password() throws IOException {
            if (password != null && !password.isEmpty()) {
                return password;
            }
            Console console = System.console();
            if (console != null) {
                char[] typed = console.readPassword("Password for %s: ", email);
                return typed == null ? null : new String(typed);
            }
            return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List users (never their passwords).")
    static final class ListUsers implements Callable<Integer> {
        /** Users read per query: every user is printed, a page at a time. */
        private static final int PAGE = 500;

        @CommandLine.Mixin
        ConfigFileOption config;

        @Option(names = "--role", paramLabel = "ROLE", description = "Only users of this role: admin or user.")
        String role;

        @Option(names = "--tier", paramLabel = "TIER", description = "Only users of this tier.")
        String tier;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            return ConfigFiles.withDatabase(config.path, spec.commandLine().getErr(), "gatehouse users", (loaded, db) -> {
                UserStore users = new UserStore(db.dataSource(), loaded.identity().passwordIterations(), Clock.system());
                out.printf("%-6s %-6s %-11s %s%n", "ID", "ROLE", "TIER", "EMAIL");
                List<UserStore.User> page = users.list(role, tier, 0, PAGE);
                while (!page.isEmpty()) {
                    for (UserStore.User u : page) {
                        out.printf("%-6d %-6s %-11s %s%n", u.id(), u.role(), u.tier(), u.email());
                    }
                    page = page.size() < PAGE ? List.of() : users.list(role, tier, page.get(page.size() - 1).id(), PAGE);
                }
                return 0;
            });
        }
    }
}
