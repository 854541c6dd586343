package dev.gatehouse.core.config;

import dev.gatehouse.core.config.GatewayListenerConfig.Transport;
import dev.gatehouse.core.config.RateLimitConfig.Mode;
import dev.gatehouse.core.config.RateLimitConfig.OnRedisFailure;
import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.RateLimit;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Config records refuse values no node could run with, whoever builds them, naming the field and the value. */
class ConfigRecordsTest {

    private static GatewayListenerConfig listener(int port, Duration requestTimeout, Transport transport) {
        return new GatewayListenerConfig("0.0.0.0", port, 0, 16 * 1024, 1024, requestTimeout, Duration.ofSeconds(60),
                Duration.ofSeconds(10), 100, 10, 100, 1000, Duration.ofHours(1), Duration.ofSeconds(60), List.of(),
                "Accept-Version", transport, IpRules.ANYONE, null, Http2Config.defaults(16 * 1024), ShutdownConfig.DEFAULTS);
    }

    private static RateLimitConfig rateLimit(List<RateLimit> limits, boolean tiers, Mode mode, int leaseSize) {
        return new RateLimitConfig(Algorithm.GCRA, limits, tiers, mode, OnRedisFailure.OPEN, 1, 1, leaseSize, Duration.ofSeconds(1));
    }

    @Test
    void aListenerRefusesAPortOutOfRangeAZeroTimeoutAndNoTransport() {
        assertThat(listener(8080, Duration.ofSeconds(30), Transport.AUTO).port()).isEqualTo(8080);
        assertThatThrownBy(() -> listener(70_000, Duration.ofSeconds(30), Transport.AUTO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("port must be between 0 and 65535, got 70000");
        assertThatThrownBy(() -> listener(8080, Duration.ZERO, Transport.AUTO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("requestTimeout must be positive, got PT0S");
        assertThatThrownBy(() -> listener(8080, Duration.ofSeconds(30), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("transport must not be null");
    }

    @Test
    void aBreakerRefusesMoreMinimumCallsThanItsWindowAndAPercentageAbove100() {
        assertThatThrownBy(() -> new BreakerConfig(true, 50, 100, Duration.ofSeconds(10), 30, 20, Duration.ofSeconds(30), 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("minimumCalls must not exceed window (20), got 30");
        assertThatThrownBy(() -> new BreakerConfig(true, 150, 100, Duration.ofSeconds(10), 10, 20, Duration.ofSeconds(30), 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("failureRateThreshold must be between 1.0 and 100.0, got 150.0");
    }

    @Test
    void aRateLimitRefusesNoModeALeaseOutOfRangeAndNoLimitAtAll() {
        List<RateLimit> perMinute = List.of(RateLimit.perMinute(100));
        assertThat(rateLimit(perMinute, false, Mode.LOCAL, 0).leaseFor(perMinute)).isEqualTo(5);
        assertThatThrownBy(() -> rateLimit(perMinute, false, null, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("mode must not be null");
        assertThatThrownBy(() -> rateLimit(perMinute, false, Mode.LEASED, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("leaseSize must be between 0 and 10000, got -1");
        assertThatThrownBy(() -> rateLimit(List.of(), false, Mode.LOCAL, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limits must not be empty without tiers");
    }

    @Test
    void jwtSettingsRefuseASymmetricOrNoneAlgorithmAndBothKeySources() {
        JwtConfig.SigningKey key = new JwtConfig.SigningKey(null, "-----BEGIN PUBLIC KEY-----");
        assertThatThrownBy(() -> new JwtConfig("https://id", List.of("api"), List.of("none"), null, List.of(key), Duration.ZERO, "tier", "scope"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 'none'");
        assertThatThrownBy(() -> new JwtConfig("https://id", List.of("api"), List.of("HS256"), null, List.of(key), Duration.ZERO, "tier", "scope"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 'HS256'");
        assertThatThrownBy(() -> new JwtConfig("https://id", List.of("api"), List.of("RS256"), "https://id/jwks", List.of(key), Duration.ZERO,
                "tier", "scope"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("needs exactly one of jwksUrl or keys, got both");
    }

    @Test
    void smallRecordsRefuseNullsNegativesAndContradictions() {
        assertThatThrownBy(() -> new WebSocketConfig(Duration.ofMinutes(5), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxDuration must be positive, got PT-1S");
        assertThatThrownBy(() -> new TargetConfig("ftp", "10.0.0.1", 21, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("scheme must be http or https, got 'ftp'");
        assertThatThrownBy(() -> new AuthConfig(AuthConfig.Mode.NONE, AuthConfig.DEFAULT_ACCEPT, List.of("orders:read"), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("scopes need mode required or optional, got [orders:read] with mode none");
        assertThatThrownBy(() -> new HeaderRules(List.of(), Map.of(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("add must not be null");
        assertThatThrownBy(() -> new StorageConfig(null, null, null, 10, Duration.ofSeconds(5), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("dataDir must be given without a url");
    }

    @Test
    void aWholeConfigRefusesARouteToAnUpstreamItDoesNotHave() throws InvalidConfigException {
        GatewayConfig read = GatewayConfigReader.read(Map.of(
                "upstreams", Map.of("api", Map.of("targets", List.of(Map.of("url", "http://127.0.0.1:3001")))),
                "routes", List.of(Map.of("name", "api", "match", Map.of("prefix", "/api"), "upstream", "api"))), "gatehouse.yaml", n -> null);
        assertThatThrownBy(() -> new GatewayConfig(read.gateway(), read.admin(), read.storage(), read.redis(), Map.of(), read.routes(),
                read.observability(), read.identity(), read.cache(), read.logs(), read.adminViews(), read.jobs()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("route 'api' names upstream 'api', which is not in upstreams []");
    }
}
