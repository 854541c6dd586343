package dev.gatehouse.server.cli;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.server.auth.ApiKeyRecord;
import dev.gatehouse.server.auth.KeyStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gatehouse keys create|list|revoke}: manage API keys straight in the configured PostgreSQL. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Manage API keys in the configured PostgreSQL (with an embedded database, stop the node first or use the admin API).",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The options every keys subcommand shares, and opening the store. */
    abstract static class StoreCommand implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigFileOption config;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /** The configuration the command was given, for what depends on its routes. */
        GatewayConfig loaded;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            return ConfigFiles.withDatabase(config.path, err, "gatehouse keys",
                    (given, db) -> {
                        loaded = given;
                        return run(new KeyStore(db.dataSource(), Clock.system()), spec.commandLine().getOut(), err);
                    });
        }

        abstract int run(KeyStore keys, PrintWriter out, PrintWriter err) throws SQLException;
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a key and print it once.")
    static final class Create extends StoreCommand {
        @Option(names = "--name", required = true, description = "Who or what the key is for.")
        String name;

        @Option(names = "--tier", defaultValue = "free", description = "Rate-limit tier (default: ${DEFAULT-VALUE}).")
        String tier;

        @Option(names = "--scope", description = "A scope to grant; repeat for several (admin opens the admin API).")
        List<String> scopes = new ArrayList<>();

        @Option(names = "--rate-limit", description = "Override the tier with this rate, e.g. 500/min; repeat for several windows.")
        List<String> rates = new ArrayList<>();

        @Option(names = "--expires", description = "Expiry as an ISO-8601 instant, e.g. 2027-01-01T00:00:00Z.")
        String expires;

        @Override
        int run(KeyStore keys, PrintWriter out, PrintWriter err) throws SQLException {
            List<RateLimit> override = rates.isEmpty() ? null : RateLimit.parseAll(rates);
            Instant expiresAt = expires == null ? null : ApiKeys.expiry("--expires", expires, Clock.system().instant());
            KeyStore.Created created = keys.create(name, tier, scopes, override, expiresAt);
            out.println(created.key());
            err.printf("created key %d (prefix %s, tier %s%s). Store it now: it cannot be shown again.%n", created.record().id(),
                    created.record().prefix(), tier, scopes.isEmpty() ? "" : ", scopes " + String.join(" ", scopes));
            if (override != null) {
                loaded.unpassableRoutes(override, "this key").forEach(line -> err.println("warning: " + line));
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys (never their secrets).")
    static final class ListKeys extends StoreCommand {
        /** Keys read per query: every key is printed, a page at a time. */
        private static final int PAGE = 500;

        @Option(names = "--state", paramLabel = "STATE", description = "Only keys in this state: active, expired or revoked.")
        String state;

        @Option(names = "--tier", paramLabel = "TIER", description = "Only keys of this tier.")
        String tier;

        @Override
        int run(KeyStore keys, PrintWriter out, PrintWriter err) throws SQLException {
            KeyStore.Filter filter = new KeyStore.Filter(state, tier);
            out.printf("%-6s %-9s %-11s %-8s %-24s %s%n", "ID", "PREFIX", "TIER", "STATE", "LAST USED", "NAME");
            Instant now = Clock.system().instant();
            List<ApiKeyRecord> page = keys.list(filter, 0, PAGE);
            while (!page.isEmpty()) {
                for (ApiKeyRecord k : page) {
                    out.printf("%-6d %-9s %-11s %-8s %-24s %s%n", k.id(), k.prefix(), k.tier(), k.state(now),
                            k.lastUsedAt() == null ? "never" : k.lastUsedAt().toString(), k.name());
                }
                page = page.size() < PAGE ? List.of() : keys.list(filter, page.get(page.size() - 1).id(), PAGE);
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key by id or prefix; every node refuses it within a second.")
    static final class Revoke extends StoreCommand {
        @Parameters(paramLabel = "ID|PREFIX", description = "The key's id or 8-character prefix.")
        String key;

        @Override
        int run(KeyStore keys, PrintWriter out, PrintWriter err) throws SQLException {
            if (!keys.revoke(key)) {
                err.println("no active key has id or prefix '" + key + "'");
                return 1;
            }
            out.println("revoked " + key);
            return 0;
        }
    }
}
