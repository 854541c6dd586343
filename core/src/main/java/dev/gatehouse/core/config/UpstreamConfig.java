package dev.gatehouse.core.config;

import dev.gatehouse.core.balance.BalancerType;
import dev.gatehouse.core.health.HealthPolicy;

import java.time.Duration;
import java.util.List;

/**
 * A pool of upstream targets that routes point at.
 *
 * @param balancer how a request picks its target: {@code least-connections} or {@code round-robin}
 * @param healthCheck active checking, or {@code null} for none
 * @param maxConnectionsPerTarget keep-alive connections per target and event loop (for HTTP/2, connections
 *                                each carrying up to {@link #STREAMS_PER_CONNECTION} requests at once)
 * @param protocol how the gateway speaks to the targets: HTTP/1.1, or HTTP/2 over TLS ({@code h2}) or in clear
 *                 with prior knowledge ({@code h2c})
 * @param quota the third party's limits on the calls job workers make to it, or {@code null} for none
 */
public record UpstreamConfig(String name, BalancerType balancer, List<TargetConfig> targets, HealthCheckConfig healthCheck,
                             HealthPolicy health, BreakerConfig breaker, Duration connectTimeout,
                             int maxConnectionsPerTarget, Protocol protocol, QuotaConfig quota) {

    /** The protocol the gateway speaks to an upstream's targets. */
    public enum Protocol implements Spelled {
        /** HTTP/1.1 (over TLS for https targets): one request at a time per connection. */
        HTTP1 {
            @Override
            public String configName() {
                return "http/1.1";
            }
        },
        /** HTTP/2 over TLS, agreed by ALPN: the targets must be https. */
        H2,
        /** HTTP/2 in clear text with prior knowledge (gRPC servers inside a network): the targets must be http. */
        H2C;

        @Override
        public String toString() {
            return configName();
        }

        public boolean multiplexed() {
            return this != HTTP1;
        }
    }

    public static final BalancerType DEFAULT_BALANCER = BalancerType.LEAST_CONNECTIONS;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_MAX_CONNECTIONS_PER_TARGET = 256;
    public static final Protocol DEFAULT_PROTOCOL = Protocol.HTTP1;
    /** Requests one HTTP/2 connection to a target carries at once (fewer if the target's own setting is lower). */
    public static final int STREAMS_PER_CONNECTION = 100;

    public UpstreamConfig {
        Require.notBlank("name", name);
        Require.notNull("balancer", balancer);
        targets = Require.nonEmpty("targets", targets);
        Require.notNull("health", health);
        Require.notNull("breaker", breaker);
        Require.positive("connectTimeout", connectTimeout);
        Require.atLeast("maxConnectionsPerTarget", maxConnectionsPerTarget, 1);
        Require.notNull("protocol", protocol);
        for (TargetConfig target : targets) {
            if (protocol == Protocol.H2 && !target.tls() || protocol == Protocol.H2C && target.tls()) {
                throw new IllegalArgumentException("protocol " + protocol + " needs " + (target.tls() ? "http" : "https")
                        + " targets, got " + target.scheme() + "://" + target.address());
            }
        }
    }

    /**
     * Requests the gateway may have under way with one target on one event loop: a connection each over HTTP/1.1;
     * over HTTP/2 each connection carries up to {@link #STREAMS_PER_CONNECTION}, so the connections stay within
     * {@code maxConnectionsPerTarget}.
     */
    public int maxExchangesPerTarget() {
        return protocol.multiplexed() ? maxConnectionsPerTarget * STREAMS_PER_CONNECTION : maxConnectionsPerTarget;
    }
}
