package dev.gatehouse.server;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A real HTTP server standing in for a team's service: a free port, a swappable handler, a request log. */
final class TestUpstream implements AutoCloseable {

    /** What the upstream saw of one request. */
    record Seen(String method, String uri, io.vertx.core.MultiMap headers) {
    }

    private final Vertx vertx;
    private final String name;
    private volatile Handler<HttpServerRequest> handler;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile boolean healthy = true;
    private HttpServer server;
    private int port;

    private TestUpstream(Vertx vertx, String name) {
        this.vertx = vertx;
        this.name = name;
        this.handler = request -> request.response().putHeader("content-type", "application/json")
                .end("{\"upstream\":\"" + name + "\",\"path\":\"" + request.path() + "\"}");
    }

    /** Starts an upstream that answers {@code {"upstream": name, "path": ...}} until told otherwise. */
    static TestUpstream start(Vertx vertx, String name) {
        TestUpstream upstream = new TestUpstream(vertx, name);
        upstream.listen(0);
        return upstream;
    }

    private void listen(int onPort) {
        server = await(vertx.createHttpServer().requestHandler(request -> {
            if (request.path().equals("/health")) {
                request.response().setStatusCode(healthy ? 200 : 503).end();
                return;
            }
            requests.incrementAndGet();
            seen.add(new Seen(request.method().name(), request.uri(), io.vertx.core.MultiMap.caseInsensitiveMultiMap().addAll(request.headers())));
            handler.handle(request);
        }).listen(onPort, "127.0.0.1"));
        port = server.actualPort();
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    void handler(Handler<HttpServerRequest> handler) {
        this.handler = handler;
    }

    /** What {@code GET /health} answers: 200 when healthy, 503 when not. */
    void healthy(boolean healthy) {
        this.healthy = healthy;
    }

    int requests() {
        return requests.get();
    }

    List<Seen> seen() {
        return seen;
    }

    Seen last() {
        return seen.get(seen.size() - 1);
    }

    void stop() {
        await(server.close());
    }

    /** Listens again on the same port after {@link #stop()}. */
    void restart() {
        listen(port);
    }

    @Override
    public void close() {
        server.close();
    }

    static <T> T await(io.vertx.core.Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
