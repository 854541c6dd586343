package dev.gatehouse.core.ratelimit;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where rate-limit state lives: this process, or Redis shared by every node. Stores only keep state;
 * the algorithms decide. Every store passes the same contract test suite.
 */
public interface RateLimiterStore {

    /** Use the store's own clock (Redis TIME for the shared store, so all nodes agree). */
    long STORE_CLOCK = -1;

    /**
     * Spends {@code cost} units of every window for {@code key} if all of them allow it.
     *
     * @param nowMicros the decision's time in microseconds, or {@link #STORE_CLOCK}
     */
    CompletionStage<Decision> acquire(String key, Algorithm algorithm, List<RateLimit> windows, long cost, long nowMicros);
}
