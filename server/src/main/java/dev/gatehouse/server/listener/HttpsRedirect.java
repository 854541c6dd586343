package dev.gatehouse.server.listener;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;

import java.util.function.IntSupplier;

/**
 * The plain-HTTP listener beside a TLS one ({@code gateway.tls.redirectFrom}): every request is answered with a
 * 308 to the same host, path and query over HTTPS. 308 rather than 301 so a POST stays a POST with its body.
 */
public final class HttpsRedirect {
    private final IntSupplier httpsPort;

    /** @param httpsPort the TLS listener's port, as bound */
    public HttpsRedirect(IntSupplier httpsPort) {
        this.httpsPort = httpsPort;
    }

    public void handle(HttpServerRequest request) {
        HostAndPort authority = request.authority();
        if (authority == null || authority.host().isEmpty()) {
            request.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
                    .end("use https:// (this port only redirects, and a request without a Host cannot be)\n");
            return;
        }
        int port = httpsPort.getAsInt();
        String host = authority.host().indexOf(':') >= 0 && !authority.host().startsWith("[") ? "[" + authority.host() + "]" : authority.host();
        // the request target as sent (origin form); an absolute-form target's path and query
        String target = request.uri().startsWith("/") ? request.uri() : request.query() == null ? request.path() : request.path() + "?" + request.query();
        String location = "https://" + host + (port == 443 ? "" : ":" + port) + target;
        request.response().setStatusCode(308)
                .putHeader(HttpHeaders.LOCATION, location)
                .putHeader(HttpHeaders.CONTENT_LENGTH, "0")
                .end();
    }
}
