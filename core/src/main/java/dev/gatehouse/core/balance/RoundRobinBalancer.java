package dev.gatehouse.core.balance;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** Takes eligible targets in turn, skipping ineligible ones without disturbing the rotation. */
public final class RoundRobinBalancer implements Balancer {
    private final AtomicInteger next = new AtomicInteger();

    @Override
    public <T extends Balanced> T choose(List<T> targets, Predicate<? super T> eligible) {
        int size = targets.size();
        if (size == 0) {
            return null;
        }
        int start = Math.floorMod(next.getAndIncrement(), size);
        for (int i = 0; i < size; i++) {
            T candidate = targets.get((start + i) % size);
            if (eligible.test(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
