package dev.gatehouse.server.logs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A {@link LogBatch} as the payload of one spool record, and back. */
final class SpoolCodec {

    private SpoolCodec() {
    }

    static byte[] encode(LogBatch batch) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + batch.rows().size() * 192);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            string(out, batch.nodeId());
            out.writeLong(batch.firstSeq());
            out.writeInt(batch.rows().size());
            for (RequestLogRow row : batch.rows()) {
                out.writeLong(row.timeMicros());
                string(out, row.requestId());
                string(out, row.route());
                string(out, row.method());
                string(out, row.path());
                out.writeInt(row.status());
                out.writeLong(row.durationMicros());
                out.writeLong(row.upstreamMicros());
                out.writeLong(row.bytesIn());
                out.writeLong(row.bytesOut());
                string(out, row.client());
                string(out, row.subject());
                nullableLong(out, row.keyId());
                nullableLong(out, row.userId());
                string(out, row.tier());
                string(out, row.cache());
                string(out, row.rateLimit());
                string(out, row.target());
                string(out, row.problem());
                string(out, row.traceId());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not from memory
        }
        return bytes.toByteArray();
    }

    /** The batch in {@code payload}; throws {@link IOException} when it is not one (a record cut short or garbled). */
    static LogBatch decode(byte[] payload) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
        String nodeId = string(in);
        long firstSeq = in.readLong();
        int count = in.readInt();
        if (nodeId == null || count <= 0 || count > payload.length) {
            throw new IOException("not a batch of rows");
        }
        List<RequestLogRow> rows = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            rows.add(new RequestLogRow(in.readLong(), string(in), string(in), string(in), string(in), in.readInt(), in.readLong(),
                    in.readLong(), in.readLong(), in.readLong(), string(in), string(in), nullableLong(in), nullableLong(in),
                    string(in), string(in), string(in), string(in), string(in), string(in)));
        }
        if (in.available() != 0) {
            throw new IOException("bytes left after the last row");
        }
        return new LogBatch(nodeId, firstSeq, rows);
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String string(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        if (length > in.available()) {
            throw new IOException("a string runs past the record");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static void nullableLong(DataOutputStream out, Long value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeLong(value);
        }
    }

    private static Long nullableLong(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readLong() : null;
    }
}
