package dev.gatehouse.server.ratelimit;

import dev.gatehouse.redis.KeySlot;

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
        byte[] inside = tag.substring(1, tag.length() - 1).getBytes(StandardCharsets.UTF_8);
        return KeySlot.crc16(inside, 0, inside.length) & 0x3fff;
    }
}
