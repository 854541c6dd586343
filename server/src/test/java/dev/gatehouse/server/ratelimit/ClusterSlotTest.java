package dev.gatehouse.server.ratelimit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The slot a subject's keys land in, as Redis Cluster computes it. */
class ClusterSlotTest {

    @Test
    void theClusterSlotIsRedisOwn() {
        // values from Redis's CLUSTER KEYSLOT
        assertThat(ClusterSlot.of("{foo}")).isEqualTo(12182);
        assertThat(ClusterSlot.of("{somekey}")).isEqualTo(11058);
        assertThat(ClusterSlot.of("{user1000}")).isEqualTo(3443);
    }

    @Test
    void aKeyWithBracesIsTaggedWholeSoItsWindowsShareOneSlot() {
        assertThat(ClusterSlot.tag("api:{user}")).isEqualTo("{api:(user)}");
    }
}
