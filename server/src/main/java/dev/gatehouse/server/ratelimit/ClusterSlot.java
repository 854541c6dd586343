package dev.gatehouse.server.ratelimit;

import java.nio.charset.StandardCharsets;

/**
 * Where a subject's keys live in Redis Cluster: every key of a subject carries the same hash tag, so a
 * policy's windows share one slot and one script call may touch them all.
 */
final class ClusterSlot {
    private ClusterSlot() {
    }

    /** The hash tag {@code {key}} (braces inside the key become parentheses, so the tag is the whole key). */
    static String tag(String key) {
        return "{" + key.replace('{', '(').replace('}', ')') + "}";
    }

    /** The Redis Cluster slot of a hash tag {@code {...}}: CRC16-XMODEM of what is inside, mod 16384. */
    static int of(String tag) {
        int crc = 0;
        for (byte b : tag.substring(1, tag.length() - 1).getBytes(StandardCharsets.UTF_8)) {
            crc = ((crc << 8) ^ CRC16[((crc >>> 8) ^ b) & 0xff]) & 0xffff;
        }
        return crc & 0x3fff;
    }

    /** CRC16-XMODEM of each byte value, so a slot costs a table look-up per byte instead of eight shifts. */
    private static final int[] CRC16 = new int[256];

    static {
        for (int b = 0; b < 256; b++) {
            int crc = b << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            CRC16[b] = crc & 0xffff;
        }
    }
}
