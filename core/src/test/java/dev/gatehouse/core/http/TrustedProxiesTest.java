package dev.gatehouse.core.http;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrustedProxiesTest {

    @Test
    void trustsSingleAddressesAndCidrBlocks() {
        TrustedProxies trusted = TrustedProxies.parse(List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"));
        assertThat(trusted.trusts("10.1.2.3")).isTrue();
        assertThat(trusted.trusts("11.1.2.3")).isFalse();
        assertThat(trusted.trusts("192.168.1.7")).isTrue();
        assertThat(trusted.trusts("192.168.1.8")).isFalse();
        assertThat(trusted.trusts("fd12::1")).isTrue();
        assertThat(trusted.trusts("fe80::1")).isFalse();
        assertThat(trusted.trusts("not-an-ip")).isFalse();
        assertThat(trusted.trusts(null)).isFalse();
    }

    @Test
    void trustsNobodyByDefault() {
        assertThat(TrustedProxies.NONE.trusts("127.0.0.1")).isFalse();
    }

    @Test
    void refusesEntriesThatAreNotAddresses() {
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("proxy.example.com"))).hasMessageContaining("'proxy.example.com' is not an IP address");
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.0/33"))).hasMessageContaining("prefix length outside 0..32");
    }

    @Test
    void hopByHopHeadersIncludeThoseNamedByConnection() {
        assertThat(HopByHopHeaders.isHopByHop("Transfer-Encoding")).isTrue();
        assertThat(HopByHopHeaders.isHopByHop("Content-Type")).isFalse();
        assertThat(HopByHopHeaders.listedIn("keep-alive, X-Secret, close")).containsExactly("x-secret");
    }
}
