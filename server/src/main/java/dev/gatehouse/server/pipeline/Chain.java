package dev.gatehouse.server.pipeline;

import io.vertx.core.Future;

import java.util.List;

/**
 * A route's filters in order, built once when configuration loads: a chain is the rest of the route from one
 * filter on, so a filter hands the request on with {@code chain.proceed(exchange)} and nothing is allocated
 * per request. The chain checks that a filter proceeds at most once per request, and turns a filter that
 * throws into a failed answer.
 */
public final class Chain {
    private final Filter[] filters;
    private final int index;
    private final Chain next;

    private Chain(Filter[] filters, int index) {
        this.filters = filters;
        this.index = index;
        this.next = index < filters.length ? new Chain(filters, index + 1) : null;
    }

    /** The whole chain; the last filter must answer every request it is given. */
    public static Chain of(List<Filter> filters) {
        if (filters.isEmpty()) {
            throw new IllegalArgumentException("a chain needs at least one filter: the last one must answer");
        }
        return new Chain(filters.toArray(new Filter[0]), 0);
    }

    /** Runs the request through the chain from its start. */
    public Future<Response> start(Exchange exchange) {
        exchange.reached = index - 1;
        return proceed(exchange);
    }

    /** Hands the request to the next filter and returns its answer. */
    public Future<Response> proceed(Exchange exchange) {
        if (index >= filters.length) {
            throw new IllegalStateException("filter " + name(index - 1) + " is the last of its chain: it must answer, not call proceed()");
        }
        if (exchange.reached >= index) {
            throw new IllegalStateException("filter " + name(index - 1) + " must call proceed() at most once");
        }
        exchange.reached = index;
        try {
            return filters[index].filter(exchange, next);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    /**
     * Proceeds with a detached copy of the request (no client to answer), from where this chain stands: for a
     * stage that runs the rest of the route again in the background, such as the cache's revalidation.
     */
    public Future<Response> proceedDetached(Exchange exchange) {
        Exchange copy = exchange.detached();
        copy.reached = index - 1;
        return proceed(copy);
    }

    private String name(int at) {
        return at < 0 ? "(the listener)" : filters[at].getClass().getSimpleName();
    }
}
