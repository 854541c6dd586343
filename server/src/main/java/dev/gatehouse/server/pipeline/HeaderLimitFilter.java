package dev.gatehouse.server.pipeline;

import io.vertx.core.Future;

import java.util.Map;

/** A route's own, stricter header limit: 431 when the request's header block is larger. */
public final class HeaderLimitFilter implements Filter {
    private final int limit;

    public HeaderLimitFilter(int limit) {
        this.limit = limit;
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        int size = 0;
        for (Map.Entry<String, String> header : exchange.request().headers()) {
            // "Name: value\r\n", as it was on the wire
            size += header.getKey().length() + header.getValue().length() + 4;
        }
        if (size > limit) {
            return Problem.of(431, "headers-too-large", "Request header fields too large",
                    "the request's headers are " + size + " bytes; this route accepts at most " + limit).answerAndClose(exchange);
        }
        return chain.proceed(exchange);
    }
}
