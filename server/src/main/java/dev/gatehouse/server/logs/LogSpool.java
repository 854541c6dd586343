package dev.gatehouse.server.logs;

import dev.gatehouse.server.store.Spool;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where request-log batches wait on local disk while PostgreSQL cannot take them: a {@link Spool} of batches (see it
 * for segments, checksums, adoption after a crash and the bound). Not synced on each append: what a crash of the
 * process loses is bounded and counted, a power cut aside.
 */
final class LogSpool implements AutoCloseable {
    static final long DEFAULT_SEGMENT_BYTES = Spool.DEFAULT_SEGMENT_BYTES;

    private static final Spool.Codec<LogBatch> CODEC = new Spool.Codec<>() {
        @Override
        public byte[] encode(LogBatch batch) {
            return SpoolCodec.encode(batch);
        }

        @Override
        public LogBatch decode(byte[] payload) throws IOException {
            return SpoolCodec.decode(payload);
        }
    };

    private final Spool<LogBatch> spool;

    /** @param nodeId the node (boot) whose batches this spool takes */
    LogSpool(Path dir, long maxBytes, long segmentBytes, String nodeId) {
        this.spool = new Spool<>(dir, "request-log spool", "GHLOGSP1", CODEC, false, maxBytes, segmentBytes, nodeId);
    }

    /** Binds the spool to the database its rows go to, and adopts what earlier nodes left here for it. */
    void open(String databaseId) throws IOException {
        spool.open(databaseId);
    }

    /** Whether batches of this node wait in the spool (new ones then go after them, to keep their order). */
    boolean holdsOwn() {
        return spool.holdsOwn();
    }

    boolean isEmpty() {
        return spool.isEmpty();
    }

    long bytes() {
        return spool.bytes();
    }

    /** Appends {@code batch}; false, with nothing written, when it would take the spool past its bound. */
    boolean append(LogBatch batch) throws IOException {
        return spool.append(batch);
    }

    /** The next batch to replay; the same one until {@link #consumed()}. Null when the spool is empty. */
    LogBatch peek() throws IOException {
        return spool.peek();
    }

    void consumed() throws IOException {
        spool.consumed();
    }

    @Override
    public void close() {
        spool.close();
    }
}
