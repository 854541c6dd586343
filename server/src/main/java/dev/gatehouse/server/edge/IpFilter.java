package dev.gatehouse.server.edge;

import dev.gatehouse.core.config.IpRules;
import dev.gatehouse.core.http.TrustedProxies;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.Forwarded;
import dev.gatehouse.server.pipeline.Problem;
import dev.gatehouse.server.pipeline.Response;
import io.vertx.core.Future;

/**
 * The gateway's and the route's IP rules, applied to the client's address as the gateway sees it (after
 * {@code trustedProxies}: a client's own {@code X-Forwarded-For} counts for nothing unless it comes through a
 * trusted proxy). A refused address gets a 403 problem before anything else looks at the request.
 */
public final class IpFilter implements Filter {
    private final IpRules.Compiled gateway;
    private final IpRules.Compiled route;
    private final TrustedProxies trusted;

    public IpFilter(IpRules gateway, IpRules route, TrustedProxies trusted) {
        this.gateway = gateway.compile();
        this.route = route.compile();
        this.trusted = trusted;
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        String client = Forwarded.client(exchange.request(), trusted);
        if (gateway.admits(client) && route.admits(client)) {
            return chain.proceed(exchange);
        }
        return Problem.of(403, "ip-not-allowed", "Address not allowed",
                "requests from " + client + " are not allowed on this route").answer(exchange);
    }
}
