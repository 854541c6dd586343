package dev.gatehouse.server.logs;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Rows of {@code request_logs} in PostgreSQL's binary {@code COPY} format, into one buffer reused from batch to
 * batch: no text to format on our side nor to parse on the server's, and no allocation per row for ASCII text.
 */
final class CopyEncoder {
    /** The columns, in the order each tuple carries them. */
    static final String COPY_SQL = "COPY request_logs (time, request_id, node_id, seq, route, method, path, status, duration_us, "
            + "upstream_us, bytes_in, bytes_out, client, subject, key_id, user_id, tier, cache, rate_limit, target, problem, trace_id) "
            + "FROM STDIN (FORMAT binary)";
    private static final short COLUMNS = 22;
    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};
    /** 2000-01-01T00:00Z, PostgreSQL's epoch for timestamps, in microseconds since the Unix one. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    private byte[] buf = new byte[1 << 16];
    private int size;

    /** Encodes {@code batch} (header, a tuple per row, trailer); read it with {@link #buffer()} and {@link #size()}. */
    void encode(LogBatch batch) {
        size = 0;
        write(SIGNATURE, 0, SIGNATURE.length);
        writeInt(0); // flags
        writeInt(0); // header extension length
        long seq = batch.firstSeq();
        byte[] node = utf8(batch.nodeId());
        for (RequestLogRow row : batch.rows()) {
            writeShort(COLUMNS);
            writeLong8(row.timeMicros() - PG_EPOCH_MICROS);
            text(row.requestId());
            writeInt(node.length);
            write(node, 0, node.length);
            writeLong8(seq++);
            text(row.route());
            text(row.method());
            text(row.path());
            writeInt(2);
            writeShort((short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, row.status())));
            writeLong8(row.durationMicros());
            if (row.upstreamMicros() < 0) {
                writeInt(-1);
            } else {
                writeLong8(row.upstreamMicros());
            }
            writeLong8(row.bytesIn());
            writeLong8(row.bytesOut());
            text(row.client());
            text(row.subject());
            nullableLong(row.keyId());
            nullableLong(row.userId());
            text(row.tier());
            text(row.cache());
            text(row.rateLimit());
            text(row.target());
            text(row.problem());
            text(row.traceId());
        }
        writeShort((short) -1);
    }

    byte[] buffer() {
        return buf;
    }

    int size() {
        return size;
    }

    /** A text field; NUL, which PostgreSQL's text cannot hold, becomes U+FFFD. A null is SQL NULL (and NOT NULL columns say so). */
    private void text(String s) {
        if (s == null) {
            writeInt(-1);
            return;
        }
        int n = s.length();
        ensure(4 + n);
        int lengthAt = size;
        size += 4;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == 0 || c >= 0x80) { // the rare case: start over for this field with the general encoder
                size = lengthAt;
                byte[] bytes = utf8(s);
                writeInt(bytes.length);
                write(bytes, 0, bytes.length);
                return;
            }
            buf[size++] = (byte) c;
        }
        int length = size - lengthAt - 4;
        buf[lengthAt] = (byte) (length >>> 24);
        buf[lengthAt + 1] = (byte) (length >>> 16);
        buf[lengthAt + 2] = (byte) (length >>> 8);
        buf[lengthAt + 3] = (byte) length;
    }

    private static byte[] utf8(String s) {
        return s.replace('\0', '\uFFFD').getBytes(StandardCharsets.UTF_8);
    }

    private void nullableLong(Long value) {
        if (value == null) {
            writeInt(-1);
        } else {
            writeLong8(value);
        }
    }

    /** A bigint or timestamptz field: its length, then the value. */
    private void writeLong8(long v) {
        writeInt(8);
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[size++] = (byte) (v >>> shift);
        }
    }

    private void writeInt(int v) {
        ensure(4);
        buf[size++] = (byte) (v >>> 24);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    private void writeShort(short v) {
        ensure(2);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    private void write(byte[] bytes, int offset, int length) {
        ensure(length);
        System.arraycopy(bytes, offset, buf, size, length);
        size += length;
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }
}
