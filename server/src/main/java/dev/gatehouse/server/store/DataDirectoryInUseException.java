package dev.gatehouse.server.store;

/** An embedded database's data directory is held by another live process: a running node, or the demo. */
public final class DataDirectoryInUseException extends IllegalStateException {

    public DataDirectoryInUseException(String dataDir) {
        super("a node is running on " + dataDir + ": stop it or use the admin API");
    }
}
