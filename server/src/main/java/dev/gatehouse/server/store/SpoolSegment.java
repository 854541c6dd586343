package dev.gatehouse.server.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * One segment file of a {@link Spool}: a header (what the spool writes at the head of each: its format and
 * database), then records, each its payload's length and CRC32 and the payload. Written up to {@link #size()},
 * read up to {@link #readAt()}.
 */
final class SpoolSegment {
    static final int RECORD_HEAD = 8; // the payload's length, then its CRC32

    /**
     * What lies at the read position: a record's payload and its bytes on disk, or, when {@code damage} is not
     * null, what is wrong with what is there (the rest of the segment cannot be trusted then).
     */
    record Next(byte[] payload, int bytes, String damage) {
    }

    final Path path;
    /** The node whose batches it holds. */
    final String node;
    private final FileChannel channel;
    private long size;
    private long readAt;

    private SpoolSegment(Path path, String node, FileChannel channel, long size, long readAt) {
        this.path = path;
        this.node = node;
        this.channel = channel;
        this.size = size;
        this.readAt = readAt;
    }

    /** A new segment, its header written. */
    static SpoolSegment create(Path file, String node, byte[] header) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        ByteBuffer head = ByteBuffer.wrap(header);
        try {
            while (head.hasRemaining()) {
                channel.write(head, head.position());
            }
        } catch (IOException e) {
            closeQuietly(channel);
            Files.deleteIfExists(file);
            throw e;
        }
        return new SpoolSegment(file, node, channel, header.length, header.length);
    }

    /**
     * An existing segment, to read from just past its header; null when its header is not {@code header} (rows for
     * another database). A segment cut short within its header holds nothing: it is returned read to its end.
     */
    static SpoolSegment open(Path file, String node, byte[] header) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        long size = channel.size();
        ByteBuffer head = ByteBuffer.allocate(header.length);
        while (head.hasRemaining() && channel.read(head, head.position()) > 0) {
            // read the header whole, or as much as there is
        }
        if (head.hasRemaining()) {
            return new SpoolSegment(file, node, channel, size, size);
        }
        if (!Arrays.equals(head.array(), header)) {
            closeQuietly(channel);
            return null;
        }
        return new SpoolSegment(file, node, channel, size, header.length);
    }

    long size() {
        return size;
    }

    long readAt() {
        return readAt;
    }

    boolean fullyRead() {
        return readAt >= size;
    }

    /**
     * Appends a record of {@code payload}; returns its bytes on disk.
     *
     * @throws IOException when the disk refused it; the segment is then as it was before
     */
    int append(byte[] payload) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(payload);
        ByteBuffer record = ByteBuffer.allocate(RECORD_HEAD + payload.length).putInt(payload.length).putInt((int) crc.getValue())
                .put(payload).flip();
        try {
            while (record.hasRemaining()) {
                channel.write(record, size + record.position());
            }
        } catch (IOException e) {
            try {
                channel.truncate(size);
            } catch (IOException ignored) {
                // a reader would find the torn tail by its checksum
            }
            throw e;
        }
        size += record.limit();
        return record.limit();
    }

    /** Forces what was written to the disk. */
    void force() throws IOException {
        channel.force(false);
    }

    /** The record at the read position (which stays where it is). */
    Next next() throws IOException {
        ByteBuffer head = read(readAt, RECORD_HEAD);
        if (head == null) {
            return new Next(null, 0, "cut short");
        }
        int length = head.getInt();
        int crc = head.getInt();
        ByteBuffer payload = length <= 0 ? null : read(readAt + RECORD_HEAD, length);
        if (payload == null) {
            return new Next(null, 0, "cut short");
        }
        CRC32 check = new CRC32();
        check.update(payload.array());
        if ((int) check.getValue() != crc) {
            return new Next(null, 0, "corrupt (checksum)");
        }
        return new Next(payload.array(), RECORD_HEAD + length, null);
    }

    /** {@code length} bytes at {@code at}, or null when the segment ends before them. */
    private ByteBuffer read(long at, int length) throws IOException {
        if (at + length > size) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, at + buffer.position()) < 0) {
                return null;
            }
        }
        return buffer.flip();
    }

    /** Moves the read position past a record of {@code bytes}. */
    void advance(int bytes) {
        readAt += bytes;
    }

    /** Gives up on the rest of the segment. */
    void skipRest() {
        readAt = size;
    }

    /** Closes and deletes the file (another node may have deleted it already). */
    void delete() throws IOException {
        close();
        try {
            Files.delete(path);
        } catch (NoSuchFileException gone) {
            // another node adopted and finished it too
        }
    }

    void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // read, or written and accounted for: nothing to lose
        }
    }
}
