package dev.gatehouse.server.cli;

import dev.gatehouse.server.pipeline.Problem;
import dev.gatehouse.server.upstream.UpstreamPool;
import dev.gatehouse.server.upstream.UpstreamTarget;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The reference walkthrough's load balancer, for {@code gatehouse demo} only (its port 3000): {@code GET /lb/status}
 * lists the instances of the demo's upstream pool with their health and breaker as the gateway sees them, and any
 * other request goes straight to one of them, in turn among those the gateway would use now (usable and not behind
 * an open breaker), without the gateway's routes, limits or cache. It reads the node's pool at every request, so an
 * edit of the demo's configuration applies here too. In Gatehouse proper the balancer is inside the gateway.
 */
final class DemoBalancer {
    /** Breaker states that keep calls away from a target. */
    private static final Set<String> OPEN = Set.of("OPEN", "FORCED_OPEN");

    private final Supplier<UpstreamPool> pool;
    private final HttpClient client;
    private final HttpServer server;
    private final AtomicInteger next = new AtomicInteger();

    private DemoBalancer(Vertx vertx, Supplier<UpstreamPool> pool) {
        this.pool = pool;
        this.client = DemoProxy.client(vertx, "demo-balancer");
        this.server = vertx.createHttpServer();
    }

    /** Listens on {@code host:port}, balancing over the node's pool named {@code poolName}. */
    static Future<DemoBalancer> start(Vertx vertx, Supplier<Map<String, UpstreamPool>> pools, String poolName, String host, int port) {
        DemoBalancer balancer = new DemoBalancer(vertx, () -> pools.get().get(poolName));
        return balancer.server.requestHandler(balancer::handle).listen(port, host).map(s -> balancer);
    }

    int port() {
        return server.actualPort();
    }

    Future<Void> close() {
        return server.close().eventually(client::close);
    }

    private void handle(HttpServerRequest request) {
        UpstreamPool instances = pool.get();
        if (instances == null) {
            Problem.noHealthyTarget("api").send(request.response(), request.path(), null);
            return;
        }
        if (request.path().equals("/lb/status")) {
            status(request, instances);
            return;
        }
        UpstreamTarget target = choose(instances.targets());
        if (target == null) {
            Problem.noHealthyTarget(instances.name()).send(request.response(), request.path(), null);
            return;
        }
        request.pause();
        DemoProxy.open(client, request, target.config().host(), target.config().port())
                .compose(upstream -> DemoProxy.relay(request, upstream, "x-served-by", target.address()))
                .onFailure(e -> {
                    if (!request.response().headWritten()) {
                        Problem.upstreamUnreachable(instances.name(), target.address() + ": " + e.getMessage())
                                .send(request.response(), request.path(), null);
                    }
                });
    }

    /** The next target in turn that the gateway would send to now; null when there is none. */
    private UpstreamTarget choose(List<UpstreamTarget> targets) {
        int start = Math.floorMod(next.getAndIncrement(), Math.max(1, targets.size()));
        for (int i = 0; i < targets.size(); i++) {
            UpstreamTarget t = targets.get((start + i) % targets.size());
            if (t.health().isUsable() && !OPEN.contains(t.breakerState())) {
                return t;
            }
        }
        return null;
    }

    private static void status(HttpServerRequest request, UpstreamPool pool) {
        JsonArray instances = new JsonArray();
        for (UpstreamTarget t : pool.targets()) {
            instances.add(new JsonObject()
                    .put("url", t.config().scheme() + "://" + t.address())
                    .put("healthy", t.health().isHealthy())
                    .put("usable", t.health().isUsable())
                    .put("circuitBreaker", t.breakerState())
                    .put("inFlight", t.inFlight())
                    .put("failures", t.failures()));
        }
        long healthy = pool.targets().stream().filter(t -> t.health().isUsable()).count();
        request.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(new JsonObject()
                .put("pool", pool.name()).put("balancer", "round-robin").put("healthy", healthy).put("total", pool.targets().size())
                .put("instances", instances).encodePrettily());
    }
}
