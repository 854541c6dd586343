package dev.gatehouse.server.pipeline;

import dev.gatehouse.core.route.PathRewrite;
import io.vertx.core.Future;

/** Sets the path sent upstream from the route's rewrite (strip the prefix, or fill a template). */
public final class RewriteFilter implements Filter {
    private final PathRewrite rewrite;

    public RewriteFilter(PathRewrite rewrite) {
        this.rewrite = rewrite;
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        exchange.upstreamPath(rewrite.apply(exchange.path(), exchange.variables()));
        return chain.proceed(exchange);
    }
}
