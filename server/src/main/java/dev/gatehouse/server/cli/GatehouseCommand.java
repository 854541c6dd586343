package dev.gatehouse.server.cli;

import dev.gatehouse.server.GatewayNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gatehouse} executable: one binary, a subcommand per job. */
@Command(name = "gatehouse",
        mixinStandardHelpOptions = true,
        versionProvider = GatehouseCommand.Version.class,
        description = "A self-hosted API gateway: routing, balancing, health checks, circuit breakers, metrics.",
        subcommands = {ServeCommand.class, DemoCommand.class, CheckConfigCommand.class, MigrateCommand.class, KeysCommand.class, UsersCommand.class, TiersCommand.class,
                LogsCommand.class, AnalyticsCommand.class, JobsCommand.class,
                CommandLine.HelpCommand.class})
public final class GatehouseCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new GatehouseCommand()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"gatehouse " + GatewayNode.VERSION + " (Java " + Runtime.version() + ")"};
        }
    }
}
