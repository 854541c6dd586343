package dev.gatehouse.core.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ip and cors settings: what they accept and how a mistake is named. */
class EdgeConfigTest {

    private static Map<String, Object> route(Map<String, Object> extra) {
        Map<String, Object> route = new java.util.HashMap<>(Map.of("name", "app", "match", Map.of("prefix", "/app"), "upstream", "api"));
        route.putAll(extra);
        return route;
    }

    private static GatewayConfig read(Map<String, Object> route, Map<String, Object> gateway) throws InvalidConfigException {
        return GatewayConfigReader.read(Map.of("gateway", gateway,
                "upstreams", Map.of("api", Map.of("targets", List.of(Map.of("url", "http://127.0.0.1:3001")))),
                "routes", List.of(route)), "gatehouse.yaml", n -> null);
    }

    @Test
    void corsOriginsMatchExactlyOrByALeadingWildcardLabel() throws InvalidConfigException {
        CorsConfig cors = read(route(Map.of("cors", Map.of("origins", List.of("https://app.example.com", "https://*.example.org")))),
                Map.of()).routes().get(0).cors();
        assertThat(cors.allows("https://app.example.com")).isTrue();
        assertThat(cors.allows("https://APP.example.com")).isTrue();
        assertThat(cors.allows("http://app.example.com")).as("another scheme").isFalse();
        assertThat(cors.allows("https://a.b.example.org")).isTrue();
        assertThat(cors.allows("https://example.org")).isFalse();
        assertThat(cors.allows("https://example.org.evil.com")).isFalse();
        assertThat(cors.methods()).isEqualTo(CorsConfig.DEFAULT_METHODS);
    }

    @Test
    void mistakesAreNamedByKey() {
        assertThatThrownBy(() -> read(route(Map.of("cors", Map.of("origins", List.of("*"), "credentials", true))), Map.of()))
                .hasMessageContaining("routes[0].cors.credentials: cannot go with origin *");
        assertThatThrownBy(() -> read(route(Map.of("cors", Map.of("origins", List.of("app.example.com")))), Map.of()))
                .hasMessageContaining("routes[0].cors.origins: 'app.example.com' is not an origin");
        assertThatThrownBy(() -> read(route(Map.of("ip", Map.of("allow", List.of("10.0.0.0/40")))), Map.of()))
                .hasMessageContaining("routes[0].ip.allow: '10.0.0.0/40' has a prefix length outside 0..32");
        assertThatThrownBy(() -> read(route(Map.of()), Map.of("ip", Map.of("deny", List.of("nobody")))))
                .hasMessageContaining("gateway.ip.deny: 'nobody' is not an IP address");
    }

    @Test
    void denyBeatsAllowAndAnAllowListAdmitsOnlyItsOwn() {
        IpRules.Compiled rules = new IpRules(List.of("10.0.0.0/8"), List.of("10.9.0.0/16")).compile();
        assertThat(rules.admits("10.1.1.1")).isTrue();
        assertThat(rules.admits("10.9.1.1")).isFalse();
        assertThat(rules.admits("192.0.2.1")).isFalse();
        assertThat(IpRules.ANYONE.compile().admits("192.0.2.1")).isTrue();
    }
}
