package dev.gatehouse.server.pipeline;

import io.vertx.core.Future;

import java.util.List;

/**
 * A route's filters in order, built once when configuration loads. The position of a request in the
 * chain lives in its {@link Exchange}, so one chain serves every request of the route concurrently.
 */
public final class Chain {
    private final Filter[] filters;

    public Chain(List<Filter> filters) {
        if (filters.isEmpty()) {
            throw new IllegalArgumentException("a chain needs at least one filter: the last one must answer");
        }
        this.filters = filters.toArray(new Filter[0]);
    }

    /** Runs the request through the chain from the start. */
    public Future<Void> start(Exchange exchange) {
        exchange.position = 0;
        return proceed(exchange);
    }

    /** Hands the request to the next filter. */
    public Future<Void> proceed(Exchange exchange) {
        int index = exchange.position++;
        if (index >= filters.length) {
            throw new IllegalStateException("the last filter of a chain must answer the request, not call proceed()");
        }
        try {
            return filters[index].filter(exchange, this);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }
}
