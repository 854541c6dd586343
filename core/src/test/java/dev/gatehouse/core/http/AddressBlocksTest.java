package dev.gatehouse.core.http;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AddressBlocksTest {

    @Test
    void blocksHoldTheirAddressesInEitherFamily() {
        AddressBlocks blocks = AddressBlocks.parse(List.of("10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::1"));
        assertThat(blocks.contains("10.200.3.4")).isTrue();
        assertThat(blocks.contains("11.0.0.1")).isFalse();
        assertThat(blocks.contains("192.0.2.7")).isTrue();
        assertThat(blocks.contains("192.0.2.8")).isFalse();
        assertThat(blocks.contains("2001:db8:1::5")).isTrue();
        assertThat(blocks.contains("2001:db9::5")).isFalse();
        assertThat(blocks.contains("::1")).isTrue();
        assertThat(blocks.contains("::ffff:10.1.2.3")).as("an IPv4 address written as IPv6 is the IPv4 one").isTrue();
        assertThat(blocks.contains("not-an-address")).isFalse();
    }

    @Test
    void aBadEntryIsNamed() {
        assertThatThrownBy(() -> AddressBlocks.parse(List.of("10.0.0.0/33"))).hasMessageContaining("'10.0.0.0/33'");
        assertThatThrownBy(() -> AddressBlocks.parse(List.of("example.com"))).hasMessageContaining("'example.com' is not an IP address");
    }
}
