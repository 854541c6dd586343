package dev.gatehouse.server.transform;

import io.vertx.core.buffer.Buffer;

import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A gzip member (RFC 1952) written piece by piece: a raw deflate stream between the gzip header and its
 * trailer (CRC-32 and length). Each piece is flushed (SYNC_FLUSH), so what has come in goes out at once,
 * as a stream of events or a slow download needs. Not thread-safe; {@link #finish} ends it and frees the
 * deflater.
 */
final class Gzip {
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final Deflater deflater;
    private final CRC32 crc = new CRC32();
    private final byte[] out = new byte[8192];
    private boolean headerWritten;
    private long length;

    Gzip(int level) {
        this.deflater = new Deflater(level, true);
    }

    /** Compresses one piece; returns what is ready to send (never empty once anything came in). */
    Buffer piece(Buffer in) {
        Buffer result = Buffer.buffer(in.length() / 2 + 32);
        header(result);
        byte[] bytes = in.getBytes();
        crc.update(bytes);
        length += bytes.length;
        deflater.setInput(bytes);
        drain(result, Deflater.SYNC_FLUSH);
        return result;
    }

    /** Ends the member: what the deflater still holds, then the trailer. */
    Buffer finish() {
        Buffer result = Buffer.buffer(64);
        header(result);
        deflater.finish();
        while (!deflater.finished()) {
            int n = deflater.deflate(out, 0, out.length, Deflater.NO_FLUSH);
            result.appendBytes(out, 0, n);
        }
        deflater.end();
        result.appendIntLE((int) crc.getValue());
        result.appendIntLE((int) length);
        return result;
    }

    /** Frees the deflater of a stream that will not be finished (its reader went away). */
    void abandon() {
        deflater.end();
    }

    /** A whole body compressed at once. */
    static Buffer of(Buffer whole, int level) {
        Gzip gzip = new Gzip(level);
        Buffer result = gzip.piece(whole);
        return result.appendBuffer(gzip.finish());
    }

    private void header(Buffer result) {
        if (!headerWritten) {
            headerWritten = true;
            result.appendBytes(HEADER);
        }
    }

    private void drain(Buffer result, int flush) {
        int n;
        do {
            n = deflater.deflate(out, 0, out.length, flush);
            result.appendBytes(out, 0, n);
        } while (n == out.length);
    }
}
