package dev.gatehouse.server.ratelimit;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.gatehouse.core.config.RateLimitConfig;
import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.Decision;
import dev.gatehouse.core.ratelimit.RateLimit;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import dev.gatehouse.server.pipeline.Coalesced;
import io.vertx.core.Future;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code mode: leased}: a node takes a subject's requests from Redis a batch (a lease) at a time, in one
 * script call that Redis decides like that many requests in a row, and spends them in process until the
 * lease is used up or its time is over; what is left then is dropped, never handed back. The shared
 * limit is never exceeded by the leases themselves: Redis counted every request of a lease when it was
 * taken. Spending a request later than Redis counted it is what a window can notice: a fixed window's
 * lease taken just before its boundary can be spent just after it, so a window may see up to nodes ×
 * lease size more than its limit, and none where the lease cannot cross a boundary (a fixed-window lease
 * ends at the first boundary of any of its windows). Under saturation the dropped remainders mean a window may admit up to
 * that many fewer. A refusal is kept until its own retry-after (no request of that cost could pass
 * sooner) or the lease time, whichever comes first, so a subject pushed past its limit costs Redis one
 * call per lease time, not one per request.
 *
 * <p>Concurrent requests of a subject whose lease ran out share one call for the next. At most
 * {@code maxLeases} ({@value #MAX_LEASES} on a node) subjects hold a lease; past that, leases past their time are swept out off the
 * event loop, and until there is room a new subject takes one request at a time (as in {@code exact}).
 */
final class Leases {
    /** The most subjects holding a lease on a node. */
    static final int MAX_LEASES = 100_000;

    /** Requests of one route and subject taken from Redis and not spent yet. */
    private record Lease(List<RateLimit> windows, AtomicLong left, long takenNanos, long endsNanos, Decision shared) {
        /**
         * One more request spent, or null when none is left. Its headers: the shared remaining when the
         * lease was taken plus what is left here, and the reset counted down since.
         */
        Decision spend(long nowNanos) {
            long since = (nowNanos - takenNanos) / 1000;
            if (!shared.allowed()) {
                // a refusal, kept while it must still hold: its wait counted down
                return Decision.reject(shared.limit(), shared.remaining(), shared.resetMicros() - since, shared.retryAfterMicros() - since);
            }
            long after = left.decrementAndGet();
            if (after < 0) {
                return null;
            }
            return Decision.allow(shared.limit(), shared.remaining() + after, shared.resetMicros() - since);
        }
    }

    private final RedisRateLimiterStore store;
    private final Ticker ticker;
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final Executor sweeper;
    private final int maxLeases;
    private final Coalesced<Lease> taking = new Coalesced<>();
    private final Counter taken;
    private final DistributionSummary sizes;

    /**
     * @param sweeper where leases past their time are swept out when the map is full (not an event loop)
     * @param maxLeases the most subjects holding a lease at once
     */
    Leases(RedisRateLimiterStore store, Ticker ticker, Executor sweeper, int maxLeases, MeterRegistry meters) {
        this.store = store;
        this.maxLeases = maxLeases;
        this.ticker = ticker;
        this.sweeper = sweeper;
        this.taken = Counter.builder("gatehouse.ratelimit.leases.taken")
                .description("Leases taken from Redis (mode: leased): each is one script call").register(meters);
        this.sizes = DistributionSummary.builder("gatehouse.ratelimit.leases.granted")
                .description("Requests Redis granted per lease (fewer than asked near the limit)").register(meters);
        Gauge.builder("gatehouse.ratelimit.leases", leases, Map::size)
                .description("Subjects holding a lease on this node (at most " + maxLeases + ")").register(meters);
    }

    /**
     * Decides one request of the route's cost: from this node's lease when one is left, else by taking a
     * new lease of the route's size for these windows, lasting at most its lease time. Fails as the store
     * does when Redis cannot decide.
     */
    Future<Decision> decide(String key, RateLimitConfig route, List<RateLimit> windows) {
        Lease lease = leases.get(key);
        long now = ticker.read();
        if (lease != null && lease.windows().equals(windows) && now < lease.endsNanos()) {
            Decision spent = lease.spend(now);
            if (spent != null) {
                return Future.succeededFuture(spent);
            }
        }
        // continues on the caller's event loop, whichever loop took the lease
        return taking.join(key, () -> take(key, route, windows)).compose(fresh -> {
            Decision spent = fresh.spend(ticker.read());
            // others waiting on the same lease used it up first: take the next one
            return spent != null ? Future.succeededFuture(spent) : decide(key, route, windows);
        });
    }

    private Future<Lease> take(String key, RateLimitConfig route, List<RateLimit> windows) {
        Algorithm algorithm = route.algorithm().forWindows(windows);
        long ttl = route.leaseTtl().toNanos();
        long asked = ticker.read();
        // a lease that could not be kept would be dropped whole at once: with no room, take one request at a time
        boolean room = leases.size() < maxLeases || leases.containsKey(key) || sweep();
        return store.take(key, algorithm, windows, route.cost(), room ? route.leaseFor(windows) : 1, RedisRateLimiterStore.STORE_CLOCK).map(got -> {
            taken.increment();
            sizes.record(got.granted());
            if (got.granted() == 0) {
                // refused: no request of this cost can pass before its retry-after, whatever other nodes do
                // (they can only spend more), so the refusal is kept that long, and the subject costs Redis
                // one call per lease time however hard it is pushed past its limit
                long holds = Math.min(ttl, got.decision().retryAfterMicros() * 1000);
                Lease refusal = new Lease(windows, new AtomicLong(), asked, asked + holds, got.decision());
                keep(key, refusal, room);
                return refusal;
            }
            // a fixed-window lease ends at the first boundary of any of its windows, so it is never spent in
            // a window that did not count it (the others' boundaries never come first: boundaryMicros says so)
            long ends = asked + Math.min(ttl, TimeUnit.MICROSECONDS.toNanos(Math.max(1, got.boundaryMicros())));
            Lease lease = new Lease(windows, new AtomicLong(got.granted()), asked, ends, got.decision());
            keep(key, lease, room);
            return lease;
        });
    }

    private void keep(String key, Lease lease, boolean room) {
        if (room) {
            leases.put(key, lease);
        }
    }

    /**
     * The map is full: starts a sweep of the leases past their time (off the event loop, one at a time)
     * and says whether there is room already. Leases last seconds, so a sweep frees nearly all of them.
     */
    private boolean sweep() {
        if (sweeping.compareAndSet(false, true)) {
            sweeper.execute(() -> {
                try {
                    leases.values().removeIf(l -> ticker.read() >= l.endsNanos());
                } finally {
                    sweeping.set(false);
                }
            });
        }
        return leases.size() < maxLeases;
    }
}
