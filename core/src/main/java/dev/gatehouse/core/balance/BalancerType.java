package dev.gatehouse.core.balance;

import dev.gatehouse.core.config.Spelled;

import java.util.function.Supplier;

/** Which {@link Balancer} an upstream uses, as its {@code balancer} key names it. */
public enum BalancerType implements Spelled {
    /** The eligible target with the fewest requests in flight for its weight. */
    LEAST_CONNECTIONS(LeastConnectionsBalancer::new),
    /** Each eligible target in turn. */
    ROUND_ROBIN(RoundRobinBalancer::new);

    private final Supplier<Balancer> factory;

    BalancerType(Supplier<Balancer> factory) {
        this.factory = factory;
    }

    /** A new balancer of this type; each pool has its own (a round robin keeps its position). */
    public Balancer create() {
        return factory.get();
    }

    @Override
    public String toString() {
        return configName();
    }
}
