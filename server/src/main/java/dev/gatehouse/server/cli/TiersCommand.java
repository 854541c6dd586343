package dev.gatehouse.server.cli;

import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.server.auth.TierStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code gatehouse tiers list|set}: the rate-limit tiers, as the admin API's {@code /tiers} has them. */
@Command(name = "tiers", mixinStandardHelpOptions = true,
        description = "Manage rate-limit tiers in the configured PostgreSQL; running nodes apply a change within a second.",
        subcommands = {TiersCommand.ListTiers.class, TiersCommand.Set.class})
final class TiersCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the tiers and their limits.")
    static final class ListTiers implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigFileOption config;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            return ConfigFiles.withDatabase(config.path, spec.commandLine().getErr(), "gatehouse tiers", (loaded, db) -> {
                out.printf("%-32s %s%n", "TIER", "LIMITS");
                for (Map.Entry<String, List<RateLimit>> tier : new TierStore(db.dataSource()).all().entrySet()) {
                    out.printf("%-32s %s%n", tier.getKey(), tier.getValue().stream().map(RateLimit::text).collect(Collectors.joining(" ")));
                }
                return 0;
            });
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Create a tier or replace its limits.")
    static final class Set implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigFileOption config;

        @Parameters(index = "0", paramLabel = "NAME", description = "The tier: 1 to 32 lower-case letters, digits, '-' or '_'.")
        String name;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "RATE",
                description = "Its limits, one per window, e.g. 10/s 1000/min; every one must allow a request.")
        List<String> rates;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            return ConfigFiles.withDatabase(config.path, err, "gatehouse tiers", (loaded, db) -> {
                List<RateLimit> limits = RateLimit.parseAll(rates);
                new TierStore(db.dataSource()).put(name, limits);
                spec.commandLine().getOut().printf("tier %s: %s%n", name, limits.stream().map(RateLimit::text).collect(Collectors.joining(" ")));
                loaded.unpassableRoutes(limits, "callers of tier '" + name + "'").forEach(line -> err.println("warning: " + line));
                return 0;
            });
        }
    }
}
