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
 * @param maxConnectionsPerTarget keep-alive connections per target and event loop
 */
public record UpstreamConfig(String name, BalancerType balancer, List<TargetConfig> targets, HealthCheckConfig healthCheck,
                             HealthPolicy health, BreakerConfig breaker, Duration connectTimeout,
                             int maxConnectionsPerTarget) {

    public static final BalancerType DEFAULT_BALANCER = BalancerType.LEAST_CONNECTIONS;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_MAX_CONNECTIONS_PER_TARGET = 256;

    public UpstreamConfig {
        Require.notBlank("name", name);
        Require.notNull("balancer", balancer);
        targets = Require.nonEmpty("targets", targets);
        Require.notNull("health", health);
        Require.notNull("breaker", breaker);
        Require.positive("connectTimeout", connectTimeout);
        Require.atLeast("maxConnectionsPerTarget", maxConnectionsPerTarget, 1);
    }
}
