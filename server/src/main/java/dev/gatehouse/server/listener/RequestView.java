package dev.gatehouse.server.listener;

import dev.gatehouse.core.route.RequestFacts;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;

/** Adapts a Vert.x request (with its normalised path) to what routing may look at. */
final class RequestView implements RequestFacts {
    private final HttpServerRequest request;
    private final String path;

    RequestView(HttpServerRequest request, String path) {
        this.request = request;
        this.path = path;
    }

    @Override
    public String method() {
        return request.method().name();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String host() {
        HostAndPort authority = request.authority();
        return authority == null ? null : authority.host();
    }

    @Override
    public String header(String name) {
        return request.getHeader(name);
    }
}
