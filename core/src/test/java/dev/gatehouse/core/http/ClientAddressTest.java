package dev.gatehouse.core.http;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ClientAddressTest {

    private final TrustedProxies proxies = TrustedProxies.parse(List.of("10.0.0.0/8"));

    @Test
    void anUntrustedPeerIsTheClientWhateverItClaims() {
        assertThat(ClientAddress.resolve("198.51.100.9", "1.2.3.4", proxies)).isEqualTo("198.51.100.9");
    }

    @Test
    void behindTrustedProxiesTheNearestUntrustedHopIsTheClient() {
        assertThat(ClientAddress.resolve("10.0.0.2", "6.6.6.6, 203.0.113.7, 10.0.0.9", proxies)).isEqualTo("203.0.113.7");
        assertThat(ClientAddress.resolve("10.0.0.2", null, proxies)).isEqualTo("10.0.0.2");
        assertThat(ClientAddress.resolve("10.0.0.2", "10.1.1.1", proxies)).isEqualTo("10.1.1.1");
    }
}
