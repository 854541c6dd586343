package dev.gatehouse.core.balance;

import java.util.function.Supplier;

/** Which {@link Balancer} an upstream uses, as its {@code balancer} key names it. */
public enum BalancerType {
    /** The eligible target with the fewest requests in flight for its weight. */
    LEAST_CONNECTIONS("least-connections", LeastConnectionsBalancer::new),
    /** Each eligible target in turn. */
    ROUND_ROBIN("round-robin", RoundRobinBalancer::new);

    private final String configName;
    private final Supplier<Balancer> factory;

    BalancerType(String configName, Supplier<Balancer> factory) {
        this.configName = configName;
        this.factory = factory;
    }

    /** How the file spells it. */
    public String configName() {
        return configName;
    }

    /** A new balancer of this type; each pool has its own (a round robin keeps its position). */
    public Balancer create() {
        return factory.get();
    }

    @Override
    public String toString() {
        return configName;
    }
}
