package dev.gatehouse.server.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code -c/--config FILE}, for the commands that read a node's configuration (mixed in with picocli's {@code @Mixin}). */
final class ConfigFileOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "gatehouse.yaml",
            description = "Configuration file (default: ${DEFAULT-VALUE}).")
    Path path;
}
