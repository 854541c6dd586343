package dev.gatehouse.core.config;

/**
 * The admin listener (metrics, upstream state, the admin API); loopback by default.
 *
 * @param tls HTTPS on the admin listener (client certificates may be required), or null for plain HTTP
 */
public record AdminListenerConfig(String host, int port, TlsConfig tls) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8081;

    public AdminListenerConfig {
        Require.notBlank("host", host);
        Require.between("port", port, 0, 65535);
    }
}
