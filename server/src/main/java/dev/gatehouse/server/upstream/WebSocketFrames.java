package dev.gatehouse.server.upstream;

import io.vertx.core.buffer.Buffer;

/**
 * Counts the WebSocket frames (RFC 6455 §5.2) in one direction of a spliced tunnel by reading their headers
 * only: payloads are skipped, never copied or unmasked, and a header split across reads is resumed. A
 * length the RFC forbids (the top bit of a 64-bit length) stops the count; the tunnel carries on regardless.
 */
final class WebSocketFrames {
    private static final int FIRST = 0, SECOND = 1, LENGTH = 2, MASK = 3, PAYLOAD = 4, LOST = 5;

    private int state = FIRST;
    private boolean masked;
    /** Header bytes still to come in the LENGTH and MASK states. */
    private int need;
    private long length;
    private long payloadLeft;

    /** Reads the next bytes of the stream; returns how many frames began in them. */
    int read(Buffer bytes) {
        int frames = 0;
        int i = 0;
        int n = bytes.length();
        while (i < n && state != LOST) {
            switch (state) {
                case FIRST -> {
                    i++; // FIN, RSV and opcode: every frame counts, control frames included
                    state = SECOND;
                }
                case SECOND -> {
                    byte b = bytes.getByte(i++);
                    masked = (b & 0x80) != 0;
                    int short7 = b & 0x7f;
                    length = 0;
                    if (short7 >= 126) {
                        need = short7 == 126 ? 2 : 8;
                        state = LENGTH;
                    } else {
                        length = short7;
                        frames += afterLength();
                    }
                }
                case LENGTH -> {
                    length = (length << 8) | (bytes.getByte(i++) & 0xff);
                    if (--need == 0) {
                        frames += length < 0 ? lose() : afterLength();
                    }
                }
                case MASK -> {
                    i++;
                    if (--need == 0) {
                        frames += startPayload();
                    }
                }
                default -> {
                    int take = (int) Math.min(payloadLeft, n - i);
                    i += take;
                    payloadLeft -= take;
                    if (payloadLeft == 0) {
                        state = FIRST;
                    }
                }
            }
        }
        return frames;
    }

    private int afterLength() {
        if (masked) {
            need = 4;
            state = MASK;
            return 0;
        }
        return startPayload();
    }

    /** The header is complete: one more frame, whose payload follows (or not, when it is empty). */
    private int startPayload() {
        payloadLeft = length;
        state = length == 0 ? FIRST : PAYLOAD;
        return 1;
    }

    private int lose() {
        state = LOST;
        return 0;
    }
}
