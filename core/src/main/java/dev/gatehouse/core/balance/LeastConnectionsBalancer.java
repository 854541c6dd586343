package dev.gatehouse.core.balance;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Weighted least-connections: picks the eligible target with the fewest in-flight requests per unit of
 * weight. Ties are broken by a rotating start so equal targets share load evenly instead of the first
 * one taking every request when the pool is idle.
 */
public final class LeastConnectionsBalancer implements Balancer {
    private final AtomicInteger rotation = new AtomicInteger();

    @Override
    public <T extends Balanced> T choose(List<T> targets, Predicate<? super T> eligible) {
        int size = targets.size();
        if (size == 0) {
            return null;
        }
        int start = Math.floorMod(rotation.getAndIncrement(), size);
        T best = null;
        long bestLoad = 0;
        int bestWeight = 1;
        for (int i = 0; i < size; i++) {
            T candidate = targets.get((start + i) % size);
            if (!eligible.test(candidate)) {
                continue;
            }
            long load = candidate.inFlight();
            int weight = Math.max(1, candidate.weight());
            // load/weight < bestLoad/bestWeight, compared without division
            if (best == null || load * bestWeight < bestLoad * weight) {
                best = candidate;
                bestLoad = load;
                bestWeight = weight;
            }
        }
        return best;
    }
}
