package dev.gatehouse.server.ratelimit;

import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.Decision;
import dev.gatehouse.core.ratelimit.RateLimit;
import io.vertx.core.Promise;

import java.util.List;

/** A decision waiting for the script call that carries it; {@code promise} is null for a lease, which is answered otherwise. */
record PendingDecision(Policy policy, Algorithm algorithm, long cost, long nowMicros, Promise<Decision> promise) {

    /** A subject's windows: what the script is told once per call, however many of its requests the call holds. */
    record Policy(String tag, List<RateLimit> windows) {
    }
}
