package dev.gatehouse.server.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import dev.gatehouse.server.pipeline.Coalesced;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.concurrent.Callable;

/**
 * Credential look-ups in PostgreSQL, off the event loop. Concurrent look-ups of one credential share one
 * query (a hot key that just left the cache costs one query, not one per request), and at most
 * {@code max} distinct ones run or wait at once: past that a look-up fails at once with {@link Busy}
 * instead of queueing without bound behind a slow database (a flood of made-up keys cannot pile up work).
 */
final class Lookups<V> {
    private final Vertx vertx;
    private final int max;
    private final Coalesced<V> inFlight = new Coalesced<>();
    private final Counter refused;

    /** Too many look-ups are already waiting for the database. Stackless: a load condition, not a bug. */
    static final class Busy extends RuntimeException {
        Busy() {
            super("too many credential look-ups are waiting for PostgreSQL", null, false, false);
        }
    }

    private static final Busy BUSY = new Busy();

    Lookups(Vertx vertx, int max, String kind, MeterRegistry meters) {
        this.vertx = vertx;
        this.max = max;
        Gauge.builder("gatehouse.identity.lookups.in.flight", inFlight, Coalesced::size).tag("kind", kind)
                .description("Credential look-ups running or waiting in PostgreSQL (at most " + max + ")").register(meters);
        this.refused = Counter.builder("gatehouse.identity.lookups.refused").tag("kind", kind)
                .description("Credential look-ups refused because " + max + " were already waiting (answered 503)").register(meters);
    }

    /** The result of {@code query} for {@code id}, shared with any look-up of the same id already running. */
    Future<V> get(String id, Callable<V> query) {
        if (!inFlight.running(id) && inFlight.size() >= max) {
            refused.increment();
            return Future.failedFuture(BUSY);
        }
        return inFlight.join(id, () -> vertx.executeBlocking(query, false));
    }
}
