package dev.gatehouse.core.balance;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BalancerTest {

    static final class Target implements Balanced {
        final String name;
        final int weight;
        int inFlight;
        boolean up = true;

        Target(String name, int weight) {
            this.name = name;
            this.weight = weight;
        }

        @Override
        public int weight() {
            return weight;
        }

        @Override
        public int inFlight() {
            return inFlight;
        }
    }

    @Test
    void roundRobinSpreadsRequestsEvenly() {
        List<Target> targets = List.of(new Target("a", 1), new Target("b", 1), new Target("c", 1));
        Balancer balancer = Balancer.named("round-robin");
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            counts.merge(balancer.choose(targets, t -> true).name, 1, Integer::sum);
        }
        assertThat(counts).containsEntry("a", 100).containsEntry("b", 100).containsEntry("c", 100);
    }

    @Test
    void roundRobinSkipsIneligibleTargets() {
        List<Target> targets = List.of(new Target("a", 1), new Target("b", 1), new Target("c", 1));
        targets.get(1).up = false;
        Balancer balancer = new RoundRobinBalancer();
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            counts.merge(balancer.choose(targets, t -> t.up).name, 1, Integer::sum);
        }
        assertThat(counts).doesNotContainKey("b");
        assertThat(counts.get("a") + counts.get("c")).isEqualTo(100);
    }

    @Test
    void leastConnectionsPicksTheTargetWithTheFewestInFlightRequests() {
        List<Target> targets = List.of(new Target("a", 1), new Target("b", 1), new Target("c", 1));
        targets.get(0).inFlight = 5;
        targets.get(1).inFlight = 1;
        targets.get(2).inFlight = 3;
        Balancer balancer = new LeastConnectionsBalancer();
        for (int i = 0; i < 10; i++) {
            assertThat(balancer.choose(targets, t -> true).name).isEqualTo("b");
        }
    }

    @Test
    void leastConnectionsWeighsLoadByCapacity() {
        Target big = new Target("big", 4);
        Target small = new Target("small", 1);
        big.inFlight = 6;   // 1.5 per unit of weight
        small.inFlight = 2; // 2 per unit of weight
        assertThat(new LeastConnectionsBalancer().choose(List.of(small, big), t -> true).name).isEqualTo("big");
    }

    @Test
    void leastConnectionsSharesAnIdlePoolInsteadOfPilingOntoTheFirstTarget() {
        List<Target> targets = List.of(new Target("a", 1), new Target("b", 1), new Target("c", 1));
        Balancer balancer = new LeastConnectionsBalancer();
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            counts.merge(balancer.choose(targets, t -> true).name, 1, Integer::sum);
        }
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isEqualTo(100));
    }

    @Test
    void noEligibleTargetMeansNoChoice() {
        List<Target> targets = List.of(new Target("a", 1));
        assertThat(new LeastConnectionsBalancer().choose(targets, t -> false)).isNull();
        assertThat(new RoundRobinBalancer().choose(List.<Target>of(), t -> true)).isNull();
    }
}
