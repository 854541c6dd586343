package dev.gatehouse.server.upstream;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The tunnel's frame count is right however the stream is cut into reads. */
class WebSocketFramesTest {

    /** A frame as RFC 6455 §5.2 lays it out; masked as a client's are, unmasked as a server's. */
    private static Buffer frame(int opcode, int payloadLength, boolean masked) {
        Buffer frame = Buffer.buffer().appendByte((byte) (0x80 | opcode));
        int maskBit = masked ? 0x80 : 0;
        if (payloadLength < 126) {
            frame.appendByte((byte) (maskBit | payloadLength));
        } else if (payloadLength <= 0xffff) {
            frame.appendByte((byte) (maskBit | 126)).appendShort((short) payloadLength);
        } else {
            frame.appendByte((byte) (maskBit | 127)).appendLong(payloadLength);
        }
        if (masked) {
            frame.appendInt(0x37fa213d);
        }
        // payload bytes that look like headers, so a reader that lost its place would miscount
        byte[] payload = new byte[payloadLength];
        Arrays.fill(payload, (byte) 0x81);
        return frame.appendBytes(payload);
    }

    private static Buffer stream(boolean masked) {
        Buffer all = Buffer.buffer();
        for (int length : new int[]{0, 1, 125, 126, 127, 65535, 65536, 70000, 5}) {
            all.appendBuffer(frame(0x2, length, masked));
        }
        all.appendBuffer(frame(0x9, 0, masked)).appendBuffer(frame(0x8, 2, masked)); // a ping, then a close
        return all;
    }

    @Test
    void framesAreCountedWhetherTheStreamComesWholeByteByByteOrInRandomCuts() {
        for (boolean masked : new boolean[]{true, false}) {
            Buffer all = stream(masked);
            assertThat(new WebSocketFrames().read(all)).as("whole, masked=%s", masked).isEqualTo(11);

            WebSocketFrames bytewise = new WebSocketFrames();
            int counted = 0;
            for (int i = 0; i < all.length(); i++) {
                counted += bytewise.read(all.getBuffer(i, i + 1));
            }
            assertThat(counted).as("a byte at a time, masked=%s", masked).isEqualTo(11);

            Random random = new Random(42);
            for (int run = 0; run < 50; run++) {
                WebSocketFrames cut = new WebSocketFrames();
                counted = 0;
                for (Buffer piece : cuts(all, random)) {
                    counted += cut.read(piece);
                }
                assertThat(counted).as("run %d, masked=%s", run, masked).isEqualTo(11);
            }
        }
    }

    @Test
    void aLengthTheRfcForbidsStopsTheCountInsteadOfMisreadingWhatFollows() {
        Buffer bad = Buffer.buffer().appendByte((byte) 0x82).appendByte((byte) 127).appendLong(-1L).appendBuffer(frame(0x1, 3, false));
        assertThat(new WebSocketFrames().read(bad)).isZero();
    }

    private static List<Buffer> cuts(Buffer all, Random random) {
        List<Buffer> pieces = new ArrayList<>();
        int at = 0;
        while (at < all.length()) {
            int size = 1 + random.nextInt(random.nextBoolean() ? 16 : 40000);
            int end = Math.min(all.length(), at + size);
            pieces.add(all.getBuffer(at, end));
            at = end;
        }
        return pieces;
    }
}
