package dev.gatehouse.server.ratelimit;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;

/**
 * Promises that complete on their caller's context, whatever thread completes them (a reply on another
 * loop's connection, a timeout): the caller continues on its own event loop and with its own request's
 * context.
 *
 * <p>The one use of Vert.x internals in the limiter. A promise bound to a context
 * ({@code ContextInternal.promise()}) runs its listeners at once when completed on that context's
 * thread and queues them to it otherwise. Public API can only queue ({@code Context.runOnContext}),
 * which would cost every decision an extra event-loop task on the request path.
 */
final class CallerContext {
    private CallerContext() {
    }

    static <T> Promise<T> promise(Context caller) {
        return ((ContextInternal) caller).promise();
    }
}
