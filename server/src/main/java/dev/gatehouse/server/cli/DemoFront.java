package dev.gatehouse.server.cli;

import dev.gatehouse.server.pipeline.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * For {@code gatehouse demo --nodes N}: the round-robin a cluster's users put in front of its nodes, on the gateway's
 * usual port, so that each request of the walkthrough reaches the next node in turn. Every answer names the node that
 * served it ({@code X-Gatehouse-Node}); a node that refuses the connection is skipped for the next one.
 */
final class DemoFront {
    static final String NODE_HEADER = "x-gatehouse-node";

    /** A gateway node behind the front: its name in answers and its port on loopback. */
    record Node(String name, int port) {
    }

    private final List<Node> nodes;
    private final HttpClient client;
    private final HttpServer server;
    private final AtomicInteger next = new AtomicInteger();

    private DemoFront(Vertx vertx, List<Node> nodes) {
        this.nodes = List.copyOf(nodes);
        this.client = DemoProxy.client(vertx, "demo-front");
        this.server = vertx.createHttpServer();
    }

    /** Listens on {@code host:port} in front of {@code nodes}. */
    static Future<DemoFront> start(Vertx vertx, List<Node> nodes, String host, int port) {
        DemoFront front = new DemoFront(vertx, nodes);
        return front.server.requestHandler(front::handle).listen(port, host).map(s -> front);
    }

    int port() {
        return server.actualPort();
    }

    Future<Void> close() {
        return server.close().eventually(client::close);
    }

    private void handle(HttpServerRequest request) {
        request.pause();
        forward(request, Math.floorMod(next.getAndIncrement(), nodes.size()), nodes.size());
    }

    /** Tries node {@code index}, and on a refused connection the next, {@code left} nodes in all. */
    private void forward(HttpServerRequest request, int index, int left) {
        Node node = nodes.get(index);
        DemoProxy.open(client, request, "127.0.0.1", node.port()).onComplete(opened -> {
            if (opened.failed()) {
                if (left > 1) {
                    forward(request, (index + 1) % nodes.size(), left - 1);
                } else {
                    Problem.upstreamUnreachable("demo nodes", "no node accepted the connection: " + opened.cause().getMessage())
                            .send(request.response(), request.path(), null);
                }
                return;
            }
            DemoProxy.relay(request, opened.result(), NODE_HEADER, node.name()).onFailure(e -> {
                if (!request.response().headWritten()) {
                    Problem.upstreamUnreachable("demo nodes", node.name() + ": " + e.getMessage()).send(request.response(), request.path(), null);
                }
            });
        });
    }
}
