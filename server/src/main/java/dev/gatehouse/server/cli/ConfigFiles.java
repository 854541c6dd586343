package dev.gatehouse.server.cli;

import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.core.config.InvalidConfigException;
import dev.gatehouse.server.config.ConfigLoader;

import java.io.PrintWriter;
import java.nio.file.Path;

/** Loading a configuration file for a command, with the exit code the CLI uses when it is invalid. */
final class ConfigFiles {

    /** Exit code for an invalid configuration file. */
    static final int INVALID = 2;

    private ConfigFiles() {
    }

    /** The configuration, or null after printing every problem to stderr. */
    static GatewayConfig loadOrReport(Path file, PrintWriter err) {
        try {
            return ConfigLoader.withSystemEnvironment().load(file);
        } catch (InvalidConfigException e) {
            err.println(e.getMessage());
            err.flush();
            return null;
        }
    }
}
