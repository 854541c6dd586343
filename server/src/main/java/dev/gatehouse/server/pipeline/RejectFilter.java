package dev.gatehouse.server.pipeline;

import io.vertx.core.Future;

/**
 * The end of the chain for requests that never reached a route: a refused path (400) or no matching
 * route (404). The listener leaves the problem on the exchange under {@link #PROBLEM}.
 */
public final class RejectFilter implements Filter {

    public static final AttributeKey<Problem> PROBLEM = new AttributeKey<>("rejection");

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        Problem problem = exchange.get(PROBLEM);
        if (problem == null) {
            problem = Problem.noRoute(exchange.request().method().name(), exchange.path());
        }
        return problem.answer(exchange);
    }
}
