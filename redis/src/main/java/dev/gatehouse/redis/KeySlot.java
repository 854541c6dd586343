package dev.gatehouse.redis;

import java.nio.charset.StandardCharsets;

/**
 * The Redis Cluster slot of a key: CRC16-XMODEM mod 16384 of its hash tag (what is between the first
 * {@code {} and the next {@code }}, when that is not empty) or else of the whole key. Callers that send
 * several keys in one command group them by it, since a cluster refuses a command whose keys span slots.
 */
public final class KeySlot {
    private KeySlot() {
    }

    public static int of(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        int from = 0;
        int to = bytes.length;
        int open = indexOf(bytes, (byte) '{', 0);
        if (open >= 0) {
            int close = indexOf(bytes, (byte) '}', open + 1);
            if (close > open + 1) {
                from = open + 1;
                to = close;
            }
        }
        return crc16(bytes, from, to) & 0x3fff;
    }

    /**
     * A key in {@code slot}: the cluster sends a command naming it to the master serving that slot, which
     * is how a command about one node (a script that runs SCAN there) reaches a chosen master.
     */
    public static String keyIn(int slot) {
        for (long n = 0; ; n++) {
            String key = Long.toString(n, 36);
            if (of(key) == slot) {
                return key;
            }
        }
    }

    /** CRC16-XMODEM of {@code bytes[from, to)}. */
    public static int crc16(byte[] bytes, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ bytes[i]) & 0xff]) & 0xffff;
        }
        return crc;
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** CRC16-XMODEM of each byte value, so a slot costs a table look-up per byte instead of eight shifts. */
    private static final int[] TABLE = new int[256];

    static {
        for (int b = 0; b < 256; b++) {
            int crc = b << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            TABLE[b] = crc & 0xffff;
        }
    }
}
