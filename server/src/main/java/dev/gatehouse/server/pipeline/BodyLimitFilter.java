package dev.gatehouse.server.pipeline;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;

/**
 * Refuses a request whose declared {@code Content-Length} is over the route's limit before any upstream
 * is contacted (413, connection closed). Chunked bodies are counted while they stream, in the proxy.
 */
public final class BodyLimitFilter implements Filter {
    private final long limit;

    public BodyLimitFilter(long limit) {
        this.limit = limit;
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        String declared = exchange.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared != null && declared.length() > 0) {
            long length;
            try {
                length = Long.parseLong(declared);
            } catch (NumberFormatException e) {
                length = Long.MAX_VALUE;
            }
            if (length > limit) {
                return Problem.bodyTooLarge(limit).answerAndClose(exchange);
            }
        }
        return chain.proceed(exchange);
    }
}
