package dev.gatehouse.server.cli;

import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.server.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gatehouse check-config FILE}: validate without starting anything. */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = "Validate a configuration file and the GATEHOUSE_* variables that override it. Prints every problem "
                + "with its key; exits 2 if there are any. Warnings (an empty file, a variable no key reads) do not fail it.")
final class CheckConfigCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "Configuration file to check.")
    Path file;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        List<String> warnings = new ArrayList<>();
        GatewayConfig config = ConfigFiles.loadOrReport(file, err, new ConfigLoader(System.getenv(), warnings::add));
        warnings.forEach(warning -> err.println("warning: " + warning));
        err.flush();
        if (config == null) {
            return ConfigFiles.INVALID;
        }
        spec.commandLine().getOut().printf("%s is valid%s: %d route(s), %d upstream(s), gateway on %s:%d, admin on %s:%d%n", file,
                warnings.isEmpty() ? "" : " with " + warnings.size() + (warnings.size() == 1 ? " warning" : " warnings"),
                config.routes().size(), config.upstreams().size(), config.gateway().host(), config.gateway().port(),
                config.admin().host(), config.admin().port());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
