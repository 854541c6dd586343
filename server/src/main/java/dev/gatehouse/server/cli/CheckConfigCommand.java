package dev.gatehouse.server.cli;

import dev.gatehouse.core.config.GatewayConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code gatehouse check-config FILE}: validate without starting anything. */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = "Validate a configuration file. Prints every problem with its key; exits 2 if there are any.")
final class CheckConfigCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "Configuration file to check.")
    Path file;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        GatewayConfig config = ConfigFiles.loadOrReport(file, spec.commandLine().getErr());
        if (config == null) {
            return ConfigFiles.INVALID;
        }
        spec.commandLine().getOut().printf("%s is valid: %d route(s), %d upstream(s), gateway on %s:%d, admin on %s:%d%n", file,
                config.routes().size(), config.upstreams().size(), config.gateway().host(), config.gateway().port(),
                config.admin().host(), config.admin().port());
        return 0;
    }
}
