package dev.gatehouse.core.config;

import dev.gatehouse.core.http.TrustedProxies;

import java.time.Duration;
import java.util.List;

import static dev.gatehouse.core.config.ReaderRules.MAX_TIME;

/** Reads {@code gateway}: the public listener and the limits every route inherits. */
final class GatewayListenerReader {

    private GatewayListenerReader() {
    }

    static GatewayListenerConfig read(ConfigNode n) {
        int port = n.integer("port", GatewayListenerConfig.DEFAULT_PORT, 0, 65535);
        int maxHeaderBytes = (int) n.bytes("maxHeaderBytes", GatewayListenerConfig.DEFAULT_MAX_HEADER_BYTES, 1024, 1024 * 1024);
        int maxConnections = n.integer("maxConnections", GatewayListenerConfig.DEFAULT_MAX_CONNECTIONS, 1, 1_000_000);
        GatewayListenerConfig config = new GatewayListenerConfig(
                n.string("host", GatewayListenerConfig.DEFAULT_HOST),
                port,
                n.integer("instances", GatewayListenerConfig.DEFAULT_INSTANCES, 0, 256),
                maxHeaderBytes,
                n.bytes("maxBodyBytes", GatewayListenerConfig.DEFAULT_MAX_BODY_BYTES, 0, 1L << 40),
                n.duration("requestTimeout", GatewayListenerConfig.DEFAULT_REQUEST_TIMEOUT, Duration.ofMillis(1), MAX_TIME),
                n.duration("idleTimeout", GatewayListenerConfig.DEFAULT_IDLE_TIMEOUT, Duration.ofSeconds(1), MAX_TIME),
                n.duration("headerTimeout", GatewayListenerConfig.DEFAULT_HEADER_TIMEOUT, Duration.ofMillis(100), MAX_TIME),
                maxConnections,
                n.integer("maxConnectionsPerAddress", Math.min(GatewayListenerConfig.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, maxConnections), 1, 1_000_000),
                n.integer("maxConnectionsPerProxy", maxConnections, 1, 1_000_000),
                n.integer("maxRequestsPerConnection", GatewayListenerConfig.DEFAULT_MAX_REQUESTS_PER_CONNECTION, 1, 1_000_000_000),
                n.duration("maxConnectionAge", GatewayListenerConfig.DEFAULT_MAX_CONNECTION_AGE, Duration.ofSeconds(1), Duration.ofDays(365)),
                n.duration("sendTimeout", GatewayListenerConfig.DEFAULT_SEND_TIMEOUT, Duration.ofMillis(100), MAX_TIME),
                n.strings("trustedProxies"),
                n.string("versionHeader", GatewayListenerConfig.DEFAULT_VERSION_HEADER),
                n.oneOf("transport", GatewayListenerConfig.DEFAULT_TRANSPORT, GatewayListenerConfig.Transport::configName,
                        List.of(GatewayListenerConfig.Transport.values())),
                IpRulesReader.read(n),
                TlsReader.read(n, port),
                Http2Reader.read(n, maxHeaderBytes),
                ShutdownReader.read(n));
        if (config.tls() != null && config.http2().h2c()) {
            n.problem("http2.h2c", "applies to a plain listener; over TLS clients get HTTP/2 by ALPN (http2.enabled)");
        }
        try {
            TrustedProxies.parse(config.trustedProxies());
        } catch (IllegalArgumentException e) {
            n.problem("trustedProxies", e.getMessage());
        }
        if (!ReaderRules.isHeaderName(config.versionHeader())) {
            n.problem("versionHeader", "'" + config.versionHeader() + "' is not a valid header name");
        }
        n.rejectUnknownKeys();
        return config;
    }
}
