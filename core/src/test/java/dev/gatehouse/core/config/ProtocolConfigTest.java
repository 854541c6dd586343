package dev.gatehouse.core.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** gateway.tls, gateway.http2 and an upstream's protocol: their defaults, and how a mistake is named. */
class ProtocolConfigTest {

    private static GatewayConfig read(Map<String, Object> gateway, Map<String, Object> upstream, Map<String, Object> route)
            throws InvalidConfigException {
        Map<String, Object> pool = new java.util.HashMap<>(Map.of("targets", List.of(Map.of("url", "http://127.0.0.1:3001"))));
        pool.putAll(upstream);
        Map<String, Object> r = new java.util.HashMap<>(Map.of("name", "app", "match", Map.of("prefix", "/app"), "upstream", "api"));
        r.putAll(route);
        return GatewayConfigReader.read(Map.of("gateway", gateway, "upstreams", Map.of("api", pool), "routes", List.of(r)),
                "gatehouse.yaml", n -> null);
    }

    private static final Map<String, Object> TLS = Map.of("certificates", List.of(Map.of("cert", "api.pem", "key", "api.key")));

    @Test
    void tlsDefaultsToTls13And12WithForwardSecretSuitesAndHttp2ByAlpn() throws InvalidConfigException {
        GatewayListenerConfig listener = read(Map.of("tls", TLS), Map.of(), Map.of()).gateway();
        assertThat(listener.tls().protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(listener.tls().ciphers()).allMatch(c -> c.startsWith("TLS_AES") || c.startsWith("TLS_CHACHA20") || c.startsWith("TLS_ECDHE"));
        assertThat(listener.tls().engine()).isEqualTo(TlsConfig.Engine.AUTO);
        assertThat(listener.scheme()).isEqualTo("https");
        assertThat(listener.http2().enabled()).isTrue();
        assertThat(listener.http2().h2c()).isFalse();
        assertThat(listener.http2().maxHeaderListBytes()).isEqualTo(listener.maxHeaderBytes());
        assertThat(read(Map.of(), Map.of(), Map.of()).gateway().tls()).isNull();
        assertThat(read(Map.of(), Map.of(), Map.of()).upstreams().get("api").protocol()).isEqualTo(UpstreamConfig.Protocol.HTTP1);
    }

    @Test
    void mistakesAreNamedByKey() {
        assertThatThrownBy(() -> read(Map.of("tls", Map.of("certificates", TLS.get("certificates"), "protocols", List.of("TLSv1.1"))), Map.of(), Map.of()))
                .hasMessageContaining("gateway.tls.protocols: 'TLSv1.1' is not accepted");
        assertThatThrownBy(() -> read(Map.of("tls", Map.of("certificates", List.of(Map.of("cert", "a.pem")))), Map.of(), Map.of()))
                .hasMessageContaining("gateway.tls.certificates[0].key: is required");
        assertThatThrownBy(() -> read(Map.of("tls", Map.of("certificates", TLS.get("certificates"), "clientAuth", "require")), Map.of(), Map.of()))
                .hasMessageContaining("gateway.tls.clientCa: clientAuth require needs");
        assertThatThrownBy(() -> read(Map.of("tls", TLS, "http2", Map.of("h2c", true)), Map.of(), Map.of()))
                .hasMessageContaining("gateway.http2.h2c: applies to a plain listener");
        assertThatThrownBy(() -> read(Map.of(), Map.of("protocol", "h2"), Map.of()))
                .hasMessageContaining("upstreams.api.protocol: h2 is HTTP/2 over TLS: target 127.0.0.1:3001 must be an https:// URL");
        assertThatThrownBy(() -> read(Map.of(), Map.of("protocol", "http2"), Map.of()))
                .hasMessageContaining("upstreams.api.protocol: must be one of http/1.1, h2, h2c, got 'http2'");
        assertThatThrownBy(() -> read(Map.of(), Map.of(), Map.of("auth", Map.of("accept", List.of("client-cert")))))
                .hasMessageContaining("routes[0].auth.accept: client-cert needs the listener to ask for client certificates");
    }

    @Test
    void theAdminListenerTakesTheSameTlsSettingsButNoRedirect() throws InvalidConfigException {
        Map<String, Object> pool = Map.of("targets", List.of(Map.of("url", "http://127.0.0.1:3001")));
        Map<String, Object> route = Map.of("name", "app", "match", Map.of("prefix", "/app"), "upstream", "api");
        GatewayConfig config = GatewayConfigReader.read(Map.of("admin", Map.of("tls", Map.of("certificates", TLS.get("certificates"),
                "clientAuth", "require", "clientCa", "ops-ca.pem")), "upstreams", Map.of("api", pool), "routes", List.of(route)), "gatehouse.yaml", n -> null);
        assertThat(config.admin().tls().clientAuth()).isEqualTo(TlsConfig.ClientAuth.REQUIRE);
        assertThat(config.gateway().tls()).as("the gateway's own stays plain").isNull();
        assertThatThrownBy(() -> GatewayConfigReader.read(Map.of("admin", Map.of("tls", Map.of("certificates", TLS.get("certificates"),
                "redirectFrom", 8080)), "upstreams", Map.of("api", pool), "routes", List.of(route)), "gatehouse.yaml", n -> null))
                .hasMessageContaining("admin.tls.redirectFrom: is for the gateway listener");
    }

    @Test
    void anH2cUpstreamCarriesAHundredExchangesPerAllowedConnection() throws InvalidConfigException {
        UpstreamConfig h2c = read(Map.of(), Map.of("protocol", "h2c", "maxConnectionsPerTarget", 2), Map.of()).upstreams().get("api");
        assertThat(h2c.maxExchangesPerTarget()).isEqualTo(2 * UpstreamConfig.STREAMS_PER_CONNECTION);
        UpstreamConfig http1 = read(Map.of(), Map.of("maxConnectionsPerTarget", 2), Map.of()).upstreams().get("api");
        assertThat(http1.maxExchangesPerTarget()).isEqualTo(2);
    }
}
