package dev.gatehouse.server.pipeline;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Calls in flight by key: whoever asks for a key already being fetched shares that call instead of
 * starting another (a hot key that left a cache costs one call, not one per request). Each caller
 * continues on its own event loop, whichever loop started the call. Entries live only while their call does.
 */
public final class Coalesced<V> {
    private final Map<String, Future<V>> inFlight = new ConcurrentHashMap<>();

    /** Calls running now. */
    public int size() {
        return inFlight.size();
    }

    public boolean running(String key) {
        return inFlight.containsKey(key);
    }

    /** The call for {@code key}: the one running, or else the one {@code start} begins. */
    public Future<V> join(String key, Supplier<Future<V>> start) {
        Future<V> shared = inFlight.get(key);
        if (shared == null) {
            Promise<V> started = Promise.promise();
            shared = inFlight.putIfAbsent(key, started.future());
            if (shared == null) {
                shared = started.future();
                Future<V> mine = shared;
                start.get().onComplete(result -> {
                    inFlight.remove(key, mine);
                    started.handle(result);
                });
            }
        }
        return onCallerLoop(shared);
    }

    /** {@code shared}, completing on the calling thread's event loop (as is when there is none). */
    public static <T> Future<T> onCallerLoop(Future<T> shared) {
        Context context = Vertx.currentContext();
        if (context == null) {
            return shared;
        }
        Promise<T> own = ((ContextInternal) context).promise();
        shared.onComplete(own);
        return own.future();
    }
}
