package dev.gatehouse.server.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.util.Locale;
import java.util.Set;

/**
 * The plain HTTP forwarding the demo's small proxies share ({@link DemoBalancer}, {@link DemoFront}): the request's
 * headers but the hop-by-hop ones, {@code X-Forwarded-For}, and the answer piped back with a header naming who served it.
 * They stand in for a load balancer a user already has; the gateway's own proxying is in {@code pipeline}.
 */
final class DemoProxy {
    /** Hop-by-hop headers (RFC 9110 7.6.1): they describe one connection and are not passed on. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
            "transfer-encoding", "upgrade", "host");

    private DemoProxy() {
    }

    static HttpClient client(Vertx vertx, String name) {
        return vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setMaxRedirects(0).setName(name),
                new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(1024));
    }

    /** Opens a request to {@code host:port} carrying {@code request}'s method, URI and end-to-end headers; the body is not sent yet. */
    static Future<HttpClientRequest> open(HttpClient client, HttpServerRequest request, String host, int port) {
        RequestOptions options = new RequestOptions().setMethod(request.method()).setHost(host).setPort(port)
                .setURI(request.uri()).setConnectTimeout(1000).setIdleTimeout(10_000);
        request.headers().forEach((name, value) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                options.addHeader(name, value);
            }
        });
        if (request.remoteAddress() != null) {
            options.putHeader("x-forwarded-for", request.remoteAddress().hostAddress());
        }
        return client.request(options);
    }

    /**
     * Sends {@code request}'s body on {@code upstream} and pipes the answer back, with {@code servedByHeader: servedBy}.
     * The future fails when no answer came (nothing was written to the client then, unless its head was).
     */
    static Future<Void> relay(HttpServerRequest request, HttpClientRequest upstream, String servedByHeader, String servedBy) {
        return upstream.send(request).map(answer -> {
            request.response().setStatusCode(answer.statusCode());
            answer.headers().forEach((name, value) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                    request.response().headers().add(name, value);
                }
            });
            request.response().putHeader(servedByHeader, servedBy);
            answer.pipeTo(request.response());
            return null;
        });
    }
}
