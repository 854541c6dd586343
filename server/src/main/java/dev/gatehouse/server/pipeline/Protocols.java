package dev.gatehouse.server.pipeline;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

import java.util.List;

/**
 * What the request path treats differently for HTTP/2 (and gRPC over it) than for HTTP/1.x: a stream has no
 * connection of its own to close, and no connection-specific header fields (RFC 9113 8.2.2); its body is not
 * announced by {@code Transfer-Encoding}.
 */
public final class Protocols {

    /** Fields that describe an HTTP/1.x connection: a message carrying one is malformed over HTTP/2. */
    public static final List<CharSequence> CONNECTION_SPECIFIC = List.of(HttpHeaders.CONNECTION, HttpHeaders.KEEP_ALIVE,
            HttpHeaders.createOptimized("proxy-connection"), HttpHeaders.TRANSFER_ENCODING, HttpHeaders.UPGRADE);

    private Protocols() {
    }

    /** Whether the request is a stream of a multiplexed HTTP/2 connection. */
    public static boolean isHttp2(HttpServerRequest request) {
        return request.version() == HttpVersion.HTTP_2;
    }

    /**
     * Whether a body may follow the head: one declared by {@code Content-Length} or {@code Transfer-Encoding}, or
     * over HTTP/2, where streaming clients (gRPC) send no length, a request of a method that carries one. Vert.x
     * tells a stream's end only after the request handler has run, so a GET without a length is taken to have none.
     */
    public static boolean mayHaveBody(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            return !length.equals("0");
        }
        if (isHttp2(request)) {
            return !request.isEnded() && !BODILESS.contains(request.method());
        }
        return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
    }

    private static final java.util.Set<HttpMethod> BODILESS = java.util.Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
            HttpMethod.DELETE, HttpMethod.TRACE);

    /** Whether the request is a gRPC call ({@code application/grpc}, {@code application/grpc+proto}, ...). */
    public static boolean isGrpc(HttpServerRequest request) {
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        return type != null && type.regionMatches(true, 0, "application/grpc", 0, 16);
    }

    /** Drops the connection-specific fields, which an HTTP/2 answer must not carry. */
    public static void dropConnectionSpecific(MultiMap headers) {
        for (CharSequence name : CONNECTION_SPECIFIC) {
            headers.remove(name);
        }
    }
}
