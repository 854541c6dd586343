package dev.gatehouse.server.cli;

import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.core.config.InvalidConfigException;
import dev.gatehouse.server.config.ConfigLoader;
import dev.gatehouse.server.store.DataDirectoryInUseException;
import dev.gatehouse.server.store.Database;

import java.io.PrintWriter;
import java.nio.file.Path;

/** Loading a configuration file for a command, with the exit code the CLI uses when it is invalid. */
final class ConfigFiles {

    /** Exit code for an invalid configuration file. */
    static final int INVALID = 2;

    private ConfigFiles() {
    }

    /** Work a command does with the configured database open. */
    @FunctionalInterface
    interface DatabaseWork {
        int run(GatewayConfig config, Database db) throws Exception;
    }

    /**
     * Loads the configuration, opens (and migrates) its database, runs the work and closes it. Exit codes:
     * the work's own, 2 for an invalid file or argument (the message says which), 1 for anything else.
     */
    static int withDatabase(Path file, PrintWriter err, String command, DatabaseWork work) {
        GatewayConfig config = loadOrReport(file, err);
        if (config == null) {
            return INVALID;
        }
        try (Database db = Database.open(config.storage(), null)) {
            return work.run(config, db);
        } catch (DataDirectoryInUseException e) {
            err.println(e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return INVALID;
        } catch (Exception e) {
            err.println(command + " failed: " + e.getMessage());
            return 1;
        } finally {
            err.flush();
        }
    }

    /** The configuration, or null after printing every problem to stderr; warnings are printed there too, a line each. */
    static GatewayConfig loadOrReport(Path file, PrintWriter err) {
        return loadOrReport(file, err, new ConfigLoader(System.getenv(), warning -> err.println("warning: " + warning)));
    }

    /** As {@link #loadOrReport(Path, PrintWriter)}, with {@code loader}'s own way with warnings. */
    static GatewayConfig loadOrReport(Path file, PrintWriter err, ConfigLoader loader) {
        try {
            return loader.load(file);
        } catch (InvalidConfigException e) {
            err.println(e.getMessage());
            err.flush();
            return null;
        }
    }
}
