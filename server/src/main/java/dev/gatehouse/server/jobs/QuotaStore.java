package dev.gatehouse.server.jobs;

import dev.gatehouse.core.jobs.QuotaPlan;

import java.time.Duration;
import java.util.List;

/**
 * Where a third party's quota is kept for every node's workers at once: the pace (one call per {@link QuotaPlan#paceMicros()},
 * decided on one clock, the store's), a pause the third party asked for (a 429 or a 503 with {@code Retry-After}), and the
 * calls made in each window as it is aligned now (for reading; the pace is what keeps within the windows). Redis when
 * it is configured ({@link RedisQuotaStore}), PostgreSQL otherwise ({@link PgQuotaStore}); both pass one contract suite.
 * All calls block; a store that cannot be reached throws, and workers then make no call.
 */
public interface QuotaStore {

    /**
     * Takes the next call's slot: 0 when this call may go now (and is counted), else the microseconds until the pace or
     * a pause could let one through (nothing taken).
     */
    long take(String upstream, QuotaPlan plan) throws Exception;

    /** Pauses calls to the upstream on every node for {@code pause} from now (a longer pause already set stays). */
    void pause(String upstream, Duration pause) throws Exception;

    /** Milliseconds left of the upstream's pause; 0 when it is not paused. */
    long pausedMillis(String upstream) throws Exception;

    /** Calls made in each of the plan's windows (in its order) as they are aligned now. */
    List<Long> used(String upstream, QuotaPlan plan) throws Exception;
}
