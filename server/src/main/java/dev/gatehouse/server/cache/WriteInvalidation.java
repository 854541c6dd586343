package dev.gatehouse.server.cache;

import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.Response;
import io.vertx.core.Future;

/**
 * Drops what any route cached for a path when a POST, PUT, PATCH or DELETE on that path succeeds (2xx),
 * on every node. On routes with a cache it runs inside {@link CacheFilter}; routes without one (a
 * separate write route, say) get it on its own whenever some route caches.
 */
public final class WriteInvalidation implements Filter {
    private final ResponseCache cache;

    public WriteInvalidation(ResponseCache cache) {
        this.cache = cache;
    }

    static boolean unsafe(String method) {
        return switch (method) {
            case "POST", "PUT", "PATCH", "DELETE" -> true;
            default -> false;
        };
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        if (!unsafe(exchange.request().method().name())) {
            return chain.proceed(exchange);
        }
        // as soon as the answer's head says the write succeeded: before the client can read it and ask again
        return chain.proceed(exchange).map(response -> {
            if (response.status() / 100 == 2) {
                cache.invalidatePath(null, exchange.path());
            }
            return response;
        });
    }
}
