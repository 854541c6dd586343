package dev.gatehouse.core.balance;

import dev.gatehouse.core.config.Spelled;

import java.util.List;
import java.util.function.Predicate;

/** Chooses one target for a request among those that are eligible (healthy, breaker closed, not yet tried). */
public interface Balancer {

    /** The chosen target, or {@code null} when no target is eligible. */
    <T extends Balanced> T choose(List<T> targets, Predicate<? super T> eligible);

    /** A balancer by its configuration name: {@code round-robin} or {@code least-connections}. */
    static Balancer named(String name) {
        BalancerType type = Spelled.parse(BalancerType.class, name);
        if (type != null) {
            return type.create();
        }
        throw new IllegalArgumentException("unknown balancer '" + name + "'; use round-robin or least-connections");
    }
}
