package dev.gatehouse.server.pipeline;

import io.vertx.core.Future;

/**
 * One stage of a route's pipeline. A filter either answers the request itself (a 401, a 429, a cache
 * hit) or passes it on with {@code chain.proceed(exchange)}, at most once. The returned future
 * completes when the response has been sent in full, or fails if it could not be.
 */
@FunctionalInterface
public interface Filter {

    Future<Void> filter(Exchange exchange, Chain chain);
}
