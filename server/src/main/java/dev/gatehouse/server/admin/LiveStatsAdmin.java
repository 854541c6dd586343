package dev.gatehouse.server.admin;

import dev.gatehouse.server.observe.ClusterStats;
import dev.gatehouse.server.observe.LiveStats;
import dev.gatehouse.server.store.NodeRegistry;
import dev.gatehouse.server.pipeline.Problem;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static dev.gatehouse.server.admin.AdminCalls.json;
import static dev.gatehouse.server.admin.AdminCalls.onlyParams;
import static dev.gatehouse.server.admin.AdminCalls.problem;

/**
 * A node's traffic live: {@code GET /stats} (the newest second) and {@code GET /stats/stream}, Server-Sent Events
 * that open with the last fifteen minutes ({@code event: history}) and then carry one {@code event: sample} a second;
 * this node's, or with {@code ?node=} another live node's, as its samples reach this one ({@link ClusterStats}).
 * A stream re-checks its credential every {@value #RECHECK_EVERY} samples and ends once it is no longer an admin's.
 */
final class LiveStatsAdmin {
    static final int RECHECK_EVERY = 30;

    private final LiveStats stats;
    private final ClusterStats cluster;
    private final NodeRegistry nodes;
    private final AdminGuard guard;
    private final AdminCalls calls;

    LiveStatsAdmin(LiveStats stats, ClusterStats cluster, NodeRegistry nodes, AdminGuard guard, AdminCalls calls) {
        this.stats = stats;
        this.cluster = cluster;
        this.nodes = nodes;
        this.guard = guard;
        this.calls = calls;
    }

    void mount(Router router) {
        router.route("/stats*").handler(guard);
        router.get("/stats").handler(ctx -> withNode(ctx, node -> {
            if (node.equals(stats.nodeId())) {
                json(ctx, 200, stats.latest().toJson(true).encodePrettily());
                return;
            }
            List<LiveStats.Sample> heard = stats.history(node);
            if (heard.isEmpty()) {
                AdminCalls.notFound(ctx, "no sample from node " + node + " has reached this node yet: it listens for them from now on; "
                        + "retry in a second");
            } else {
                json(ctx, 200, heard.get(heard.size() - 1).toJson(true).encodePrettily());
            }
        }));
        router.get("/stats/stream").handler(ctx -> withNode(ctx, node -> stream(ctx, node)));
    }

    /**
     * Runs {@code handler} with the node asked for by {@code ?node=}: this one when absent, else a live node of this
     * database (once known to be one, this node starts hearing the others' samples); unknown, a 404.
     */
    private void withNode(RoutingContext ctx, Consumer<String> handler) {
        String node;
        try {
            onlyParams(ctx, List.of("node"));
            node = ctx.request().getParam("node");
        } catch (IllegalArgumentException e) {
            problem(ctx, 400, "invalid-query", "Invalid query", e.getMessage());
            return;
        }
        if (node == null || node.isEmpty() || node.equals(stats.nodeId())) {
            handler.accept(stats.nodeId());
            return;
        }
        calls.blocking(ctx, nodes::list).onSuccess(list -> {
            if (list.stream().noneMatch(n -> n.live() && n.nodeId().equals(node))) {
                AdminCalls.notFound(ctx, "no live node '" + node + "' serves against this database; see /nodes");
                return;
            }
            cluster.listen();
            handler.accept(node);
        });
    }

    private void stream(RoutingContext ctx, String node) {
        HttpServerResponse response = ctx.response();
        response.putHeader("content-type", "text/event-stream; charset=utf-8").putHeader("cache-control", "no-store");
        if (ctx.request().method() == HttpMethod.HEAD) {
            response.end();
            return;
        }
        AtomicInteger sent = new AtomicInteger();
        Consumer<LiveStats.Sample> writer = sample -> {
            if (response.ended() || response.closed()) {
                return;
            }
            if (response.writeQueueFull()) {
                return; // a reader this far behind skips a second rather than growing the queue
            }
            response.write("event: sample\ndata: " + sample.toJson(true).encode() + "\n\n");
            if (sent.incrementAndGet() % RECHECK_EVERY == 0) {
                guard.recheck(ctx.request(), () -> {
                    if (!response.ended()) {
                        response.end("event: end\ndata: {\"detail\": \"the credential is no longer an admin's; sign in again\"}\n\n");
                    }
                });
            }
        };
        boolean local = node.equals(stats.nodeId());
        Optional<Runnable> watching = local ? stats.watch(writer) : stats.watch(node, writer);
        if (watching.isEmpty()) {
            Problem.of(503, "too-many-streams", "Too many streams", "the admin listener has " + LiveStats.MAX_WATCHERS
                    + " live-stats streams open already; close one (another dashboard tab) and retry").retryAfter(5)
                    .send(response, ctx.request().path(), null);
            return;
        }
        response.setChunked(true);
        response.closeHandler(v -> watching.get().run());
        response.endHandler(v -> watching.get().run());
        JsonArray history = new JsonArray();
        stats.history(node).forEach(sample -> history.add(sample.toJson(false)));
        response.write("retry: 2000\nevent: history\ndata: " + new JsonObject().put("node", node).put("samples", history).encode() + "\n\n");
    }
}
