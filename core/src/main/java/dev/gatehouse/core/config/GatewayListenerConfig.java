package dev.gatehouse.core.config;

import java.time.Duration;
import java.util.List;

/**
 * The public listener and the defaults every route inherits.
 *
 * @param instances event-loop instances serving the listener; 0 means one per CPU core
 * @param maxHeaderBytes the largest request header block accepted (431 beyond it)
 * @param maxBodyBytes the default largest request body (413 beyond it)
 * @param requestTimeout the default time an upstream has to answer (504 beyond it)
 * @param idleTimeout how long an idle client connection is kept open
 * @param headerTimeout how long a client has to send a request's whole head once it has begun (408 beyond it):
 *                      a client trickling its headers cannot hold a connection for ever
 * @param maxConnections the most client connections the node keeps open at once; one more is closed as it arrives
 * @param maxConnectionsPerAddress the most client connections one address may hold open (one source cannot take every slot)
 * @param maxConnectionsPerProxy the same for a {@code trustedProxies} address, whose connections carry many clients
 * @param maxRequestsPerConnection requests served on one connection; the last is answered with {@code Connection: close}
 * @param maxConnectionAge how long a connection is kept for new requests; the first answer after it closes the connection
 * @param sendTimeout how long a client may leave the gateway unable to write any of an answer (it reads nothing);
 *                    then its connection and the upstream exchange are cut
 * @param trustedProxies addresses whose {@code X-Forwarded-*} headers are believed
 * @param ip which client addresses may call any route (each route may narrow it with its own)
 * @param versionHeader the header that names the API version a client wants
 * @param transport the node's network I/O: {@code auto} (io_uring where the kernel allows it, else epoll,
 *                  else Java NIO), or one of {@code io_uring}, {@code epoll}, {@code nio} to insist on it
 * @param tls the listener's TLS, or null for plain HTTP
 * @param http2 HTTP/2 from clients: over TLS by ALPN, and h2c with prior knowledge where it says so
 * @param shutdown how the listener drains when the node is told to stop
 */
public record GatewayListenerConfig(String host, int port, int instances, int maxHeaderBytes, long maxBodyBytes,
                                    Duration requestTimeout, Duration idleTimeout, Duration headerTimeout, int maxConnections,
                                    int maxConnectionsPerAddress, int maxConnectionsPerProxy, int maxRequestsPerConnection,
                                    Duration maxConnectionAge, Duration sendTimeout, List<String> trustedProxies,
                                    String versionHeader, Transport transport, IpRules ip, TlsConfig tls, Http2Config http2,
                                    ShutdownConfig shutdown) {

    /** The node's network I/O, as {@code gateway.transport} names it. */
    public enum Transport implements Spelled {
        /** io_uring where the kernel allows it, else epoll, else Java NIO. */
        AUTO,
        /** Spelled as Netty and the kernel name it. */
        IO_URING {
            @Override
            public String configName() {
                return "io_uring";
            }
        },
        EPOLL,
        NIO;

        @Override
        public String toString() {
            return configName();
        }
    }

    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 8080;
    /** One event-loop instance per CPU core. */
    public static final int DEFAULT_INSTANCES = 0;
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
    public static final long DEFAULT_MAX_BODY_BYTES = 10L * 1024 * 1024;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** Connections one address may hold when {@code maxConnections} is larger; else {@code maxConnections}. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 1_000;
    public static final int DEFAULT_MAX_REQUESTS_PER_CONNECTION = 10_000;
    public static final Duration DEFAULT_MAX_CONNECTION_AGE = Duration.ofHours(1);
    public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(60);
    public static final String DEFAULT_VERSION_HEADER = "Accept-Version";
    public static final Transport DEFAULT_TRANSPORT = Transport.AUTO;

    public GatewayListenerConfig {
        Require.notBlank("host", host);
        Require.between("port", port, 0, 65535);
        Require.atLeast("instances", instances, 0);
        Require.atLeast("maxHeaderBytes", maxHeaderBytes, 1);
        Require.atLeast("maxBodyBytes", maxBodyBytes, 0);
        Require.positive("requestTimeout", requestTimeout);
        Require.positive("idleTimeout", idleTimeout);
        Require.positive("headerTimeout", headerTimeout);
        Require.atLeast("maxConnections", maxConnections, 1);
        Require.atLeast("maxConnectionsPerAddress", maxConnectionsPerAddress, 1);
        Require.atLeast("maxConnectionsPerProxy", maxConnectionsPerProxy, 1);
        Require.atLeast("maxRequestsPerConnection", maxRequestsPerConnection, 1);
        Require.positive("maxConnectionAge", maxConnectionAge);
        Require.positive("sendTimeout", sendTimeout);
        trustedProxies = Require.list("trustedProxies", trustedProxies);
        Require.notBlank("versionHeader", versionHeader);
        Require.notNull("ip", ip);
        Require.notNull("transport", transport);
        Require.notNull("http2", http2);
        Require.notNull("shutdown", shutdown);
    }

    /** The scheme clients reach the listener by. */
    public String scheme() {
        return tls == null ? "http" : "https";
    }
}
