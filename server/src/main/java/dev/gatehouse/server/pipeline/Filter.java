package dev.gatehouse.server.pipeline;

import io.vertx.core.Future;

/**
 * One stage of a route's pipeline, in the style of OkHttp's interceptors. A filter either answers the
 * request itself (a 401, a 429, a cache hit) or passes it on with {@code chain.proceed(exchange)}, at most
 * once, and then sees the answer on its way back: it may change its status and headers, replace or tap its
 * body, or answer something else instead (a stale copy for an upstream error). Nothing is written to the
 * client until the answer leaves the first filter; the listener writes it, at the pace the client reads.
 */
@FunctionalInterface
public interface Filter {

    Future<Response> filter(Exchange exchange, Chain chain);
}
