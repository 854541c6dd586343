package dev.gatehouse.server.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server run by this process, with its data kept in a directory across restarts.
 *
 * <p>Its owner stops it, after whatever uses it: a node closes its database last. Should the process
 * exit without that (an error on the way out), a shutdown hook stops it {@value #ORPHAN_WAIT_SECONDS}
 * seconds into the exit; the library's own hook would stop it at once, racing the owner's shutdown and
 * cutting off the connections a closing node still holds.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

    /** How long into the process's exit the server waits for its owner to stop it. */
    static final int ORPHAN_WAIT_SECONDS = 15;

    private final EmbeddedPostgres postgres;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread orphanStop;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
        this.orphanStop = new Thread(() -> {
            try {
                if (!closed.await(ORPHAN_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    close();
                }
            } catch (InterruptedException e) {
                close();
            }
        }, "embedded-postgres-stop");
        Runtime.getRuntime().addShutdownHook(orphanStop);
    }

    public static EmbeddedDatabase start(String dataDir) {
        Path dir = Path.of(dataDir).toAbsolutePath();
        try {
            Files.createDirectories(dir);
            boolean fresh = !Files.exists(dir.resolve("PG_VERSION"));
            log.info("starting embedded PostgreSQL with data in {}{}", dir, fresh ? " (new)" : "");
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .start();
            return new EmbeddedDatabase(pg);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL in " + dir + ": " + e.getMessage(), e);
        }
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    public int port() {
        return postgres.getPort();
    }

    @Override
    public void close() {
        closed.countDown();
        if (Thread.currentThread() != orphanStop) {
            try {
                Runtime.getRuntime().removeShutdownHook(orphanStop);
            } catch (IllegalStateException exiting) {
                // the process is exiting: the hook sees the latch and returns
            }
        }
        try {
            postgres.close();
        } catch (IOException e) {
            log.warn("embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
    }
}
