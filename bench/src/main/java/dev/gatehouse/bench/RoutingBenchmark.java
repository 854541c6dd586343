package dev.gatehouse.bench;

import dev.gatehouse.core.balance.Balanced;
import dev.gatehouse.core.balance.LeastConnectionsBalancer;
import dev.gatehouse.core.path.PathNormalizer;
import dev.gatehouse.core.route.PathPattern;
import dev.gatehouse.core.route.RequestFacts;
import dev.gatehouse.core.route.RouteMatch;
import dev.gatehouse.core.route.RouteRule;
import dev.gatehouse.core.route.RouteTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The per-request core work of the proxy path: normalise, route, balance. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingBenchmark {

    record Request(String method, String path) implements RequestFacts {
        @Override
        public String host() {
            return "api.example.com";
        }

        @Override
        public String header(String name) {
            return null;
        }
    }

    record Target(int weight, int inFlight) implements Balanced {
    }

    private RouteTable<String> table;
    private final LeastConnectionsBalancer balancer = new LeastConnectionsBalancer();
    private final List<Target> targets = List.of(new Target(1, 3), new Target(1, 1), new Target(2, 4));
    private final Request request = new Request("GET", "/api/v1/resources/42");

    @Setup
    public void setUp() {
        RouteTable.Builder<String> builder = RouteTable.builder();
        List<String> prefixes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            prefixes.add("/service" + i);
        }
        prefixes.forEach(p -> builder.add(new RouteRule(PathPattern.prefix(p), Set.of(), null, Map.of(), null, "Accept-Version"), p));
        builder.add(new RouteRule(PathPattern.template("/api/v1/resources/{id}"), Set.of("GET"), null, Map.of(), null, "Accept-Version"), "resource");
        builder.add(new RouteRule(PathPattern.prefix("/api/v1"), Set.of(), null, Map.of(), null, "Accept-Version"), "api");
        table = builder.build();
    }

    @Benchmark
    public String normalizeCleanPath() {
        return PathNormalizer.normalize("/api/v1/resources/42").path();
    }

    @Benchmark
    public String normalizeDirtyPath() {
        return PathNormalizer.normalize("/api//v1/./resources/%34%32/../42").path();
    }

    @Benchmark
    public RouteMatch<String> matchAmong22Routes() {
        return table.match(request);
    }

    @Benchmark
    public Target chooseLeastConnections() {
        return balancer.choose(targets, t -> true);
    }
}
