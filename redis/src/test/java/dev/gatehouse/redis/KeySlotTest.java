package dev.gatehouse.redis;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Slots as Redis Cluster computes them (the values and hash-tag rules of its specification). */
class KeySlotTest {

    @Test
    void aKeyWithoutATagHashesWhole() {
        assertThat(KeySlot.of("foo")).isEqualTo(12182);
        assertThat(KeySlot.of("somekey")).isEqualTo(11058);
    }

    @Test
    void theFirstNonEmptyTagDecides() {
        assertThat(KeySlot.of("{user1000}.following")).isEqualTo(KeySlot.of("{user1000}.followers")).isEqualTo(KeySlot.of("user1000"));
        assertThat(KeySlot.of("foo{bar}{zap}")).isEqualTo(KeySlot.of("bar"));
        assertThat(KeySlot.of("foo{{bar}}zap")).isEqualTo(KeySlot.of("{bar"));
        assertThat(KeySlot.of("foo{}{bar}")).as("an empty tag hashes the whole key").isNotEqualTo(KeySlot.of("bar"));
    }

    @Test
    void aKeyCanBeFoundForEverySlot() {
        for (int slot : new int[] {0, 1, 5460, 5461, 10922, 10923, 16383}) {
            assertThat(KeySlot.of(KeySlot.keyIn(slot))).isEqualTo(slot);
        }
    }
}
