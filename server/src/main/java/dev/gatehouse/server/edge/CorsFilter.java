package dev.gatehouse.server.edge;

import dev.gatehouse.core.config.CorsConfig;
import dev.gatehouse.server.pipeline.Body;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.Problem;
import dev.gatehouse.server.pipeline.Response;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * A route's CORS policy. A preflight ({@code OPTIONS} with {@code Origin} and
 * {@code Access-Control-Request-Method}) is answered here, before authentication and rate limits, so it
 * never reaches the upstream nor counts as a call; an allowed origin's other requests get the CORS headers on
 * their answers (errors included, so a page can read why it was refused). An origin the route does not list
 * gets no CORS headers at all.
 */
public final class CorsFilter implements Filter {
    private static final Logger log = LoggerFactory.getLogger(CorsFilter.class);

    private final CorsConfig config;
    private final String methods;
    private final String exposeHeaders;
    private final String maxAge;
    private final boolean anyOrigin;

    public CorsFilter(CorsConfig config) {
        this.config = config;
        this.methods = String.join(", ", config.methods());
        this.exposeHeaders = String.join(", ", config.exposeHeaders());
        this.maxAge = Long.toString(config.maxAge().toSeconds());
        this.anyOrigin = config.origins().contains("*");
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        HttpServerRequest request = exchange.request();
        String origin = request.getHeader("origin");
        if (origin == null) {
            return chain.proceed(exchange);
        }
        boolean allowed = config.allows(origin);
        String asked = request.getHeader("access-control-request-method");
        if (request.method() == HttpMethod.OPTIONS && asked != null) {
            return preflight(exchange, origin, allowed, asked);
        }
        if (!allowed) {
            log.debug("origin {} is not among route {}'s CORS origins: no CORS headers", origin, exchange.route().name());
            return chain.proceed(exchange);
        }
        return chain.proceed(exchange).map(response -> {
            MultiMap headers = response.headers();
            allowOrigin(headers, origin);
            if (!config.exposeHeaders().isEmpty()) {
                headers.set("access-control-expose-headers", exposeHeaders);
            }
            return response;
        });
    }

    private Future<Response> preflight(Exchange exchange, String origin, boolean allowed, String asked) {
        String requestedHeaders = exchange.request().getHeader("access-control-request-headers");
        if (!allowed || !config.methods().contains(asked.trim().toUpperCase(Locale.ROOT)) || !headersAllowed(requestedHeaders)) {
            log.debug("refused a CORS preflight from {} for {} {} (headers: {})", origin, asked, exchange.path(), requestedHeaders);
            return Problem.of(403, "cors-not-allowed", "Cross-origin request not allowed",
                    "this route does not accept " + asked + " requests" + (requestedHeaders == null ? "" : " with headers " + requestedHeaders)
                            + " from " + origin).answer(exchange);
        }
        MultiMap headers = exchange.responseHeaders();
        allowOrigin(headers, origin);
        headers.set("access-control-allow-methods", methods);
        if (requestedHeaders != null) {
            // the headers it asked for, all of which the route allows
            headers.set("access-control-allow-headers", requestedHeaders);
        }
        headers.set("access-control-max-age", maxAge);
        headers.add("vary", "Access-Control-Request-Method");
        headers.add("vary", "Access-Control-Request-Headers");
        return Future.succeededFuture(Response.of(exchange, 204, Body.empty()));
    }

    private void allowOrigin(MultiMap headers, String origin) {
        if (anyOrigin && !config.credentials()) {
            headers.set("access-control-allow-origin", "*");
        } else {
            headers.set("access-control-allow-origin", origin);
            headers.add("vary", "Origin");
        }
        if (config.credentials()) {
            headers.set("access-control-allow-credentials", "true");
        }
    }

    private boolean headersAllowed(String requested) {
        if (requested == null || requested.isBlank() || config.headers().contains("*")) {
            return true;
        }
        for (String header : requested.split(",")) {
            String name = header.trim();
            if (!name.isEmpty() && config.headers().stream().noneMatch(h -> h.equalsIgnoreCase(name))) {
                return false;
            }
        }
        return true;
    }
}
