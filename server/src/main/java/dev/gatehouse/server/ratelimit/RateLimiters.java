package dev.gatehouse.server.ratelimit;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.core.config.RateLimitConfig;
import dev.gatehouse.core.config.RedisConfig;
import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.Decision;
import dev.gatehouse.core.ratelimit.LocalRateLimiter;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.core.ratelimit.RateLimiterStore;
import dev.gatehouse.redis.RedisBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;

/**
 * The node's rate limiters: an in-process store for {@code local} routes and for the fail-open fallback,
 * and — when Redis is configured — the shared Redis store behind a breaker and a short timeout, so no
 * request waits on a dead Redis. Degradation and recovery are logged once each and exposed as a gauge.
 */
public final class RateLimiters {
    private static final Logger log = LoggerFactory.getLogger(RateLimiters.class);

    /** Redis could not decide and the route fails closed. Stackless: an outcome, not a bug. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    private final LocalRateLimiter local;
    private final RedisRateLimiterStore shared;
    private final Leases leases;
    private final RedisBreaker breaker;
    private final Counter substitutions;
    private final Set<String> substitutedRoutes = ConcurrentHashMap.newKeySet();

    /** @param redis the node's Redis client (owned and closed by the node), or null when Redis is not configured */
    public RateLimiters(Redis redis, RedisConfig config, MeterRegistry meters, Clock clock) {
        // sweeps of the in-process store run on the common pool, not on the event loops that decide
        this.local = new LocalRateLimiter(1_000_000, clock::epochMicros, ForkJoinPool.commonPool());
        if (redis != null) {
            breaker = new RedisBreaker("redis", log, "Redis rate limiting degraded ({}); routes apply their onRedisFailure policy",
                    "Redis rate limiting recovered", clock::read);
            shared = new RedisRateLimiterStore(redis, config.keyPrefix() + "rl:", config.timeout(), breaker, meters);
            leases = new Leases(shared, clock::read, ForkJoinPool.commonPool(), Leases.MAX_LEASES, meters);
        } else {
            shared = null;
            leases = null;
            breaker = null;
        }
        Gauge.builder("gatehouse.ratelimit.local.keys", local, LocalRateLimiter::size)
                .description("Subjects whose limits this node keeps in process (local routes and the fail-open fallback)").register(meters);
        Gauge.builder("gatehouse.ratelimit.local.max.keys", local, LocalRateLimiter::maxKeys)
                .description("The most subjects this node keeps in process").register(meters);
        FunctionCounter.builder("gatehouse.ratelimit.local.dropped", local, LocalRateLimiter::dropped)
                .description("In-process subjects dropped before their expiry to make room (each starts afresh)").register(meters);
        FunctionCounter.builder("gatehouse.ratelimit.local.unkept", local, LocalRateLimiter::unkept)
                .description("New in-process subjects decided but not kept: the store was full while a sweep ran").register(meters);
        substitutions = Counter.builder("gatehouse.ratelimit.algorithm.substituted")
                .description("Decisions of sliding-log routes made by sliding-counter: a tier or a key's override above "
                        + Algorithm.MAX_SLIDING_LOG_LIMIT + " per window").register(meters);
        Gauge.builder("gatehouse.ratelimit.redis.available", this, r -> r.redisAvailable() ? 1 : 0)
                .description("1 while Redis rate limiting (exact and leased routes) is available; 0 when degraded or not configured")
                .register(meters);
    }

    /** The shared Redis store (behind its breaker), or null when Redis is not configured: job workers pace their calls with it. */
    public RedisRateLimiterStore shared() {
        return shared;
    }

    public boolean redisAvailable() {
        return breaker != null && breaker.available();
    }

    /** Decides a request of {@code subject} on a route; fails with {@link Unavailable} only when the route fails closed. */
    public Future<Decision> decide(String route, RateLimitConfig config, String subject, List<RateLimit> windows) {
        if (windows.isEmpty()) {
            return Future.succeededFuture(Decision.allow(Long.MAX_VALUE, Long.MAX_VALUE, 0));
        }
        String key = route + ":" + subject;
        Algorithm algorithm = config.algorithm().forWindows(windows);
        if (algorithm != config.algorithm()) {
            substituted(route, windows);
        }
        if (config.mode() == RateLimitConfig.Mode.LOCAL || shared == null) {
            return Future.succeededFuture(local.decide(key, algorithm, windows, config.cost(), RateLimiterStore.STORE_CLOCK));
        }
        // a leased route spends what it holds whatever Redis's state; it asks Redis (and may fall back) only for a new lease
        if (!config.leased() && !breaker.admits()) {
            return fallback(key, config, algorithm, windows, "Redis rate limiting is degraded");
        }
        // the store bounds each call to Redis by redis.timeout and tells the breaker how each call went
        Future<Decision> decided = config.leased()
                ? leases.decide(key, config, windows)
                : shared.decide(key, algorithm, windows, config.cost(), RateLimiterStore.STORE_CLOCK);
        return decided
                .recover(error -> fallback(key, config, algorithm, windows, error instanceof RedisRateLimiterStore.Degraded
                        ? error.getMessage() : "Redis did not decide in time: " + error.getMessage()));
    }

    /** A sliding-log route met windows too large for a log: counted, and logged once per route. */
    private void substituted(String route, List<RateLimit> windows) {
        substitutions.increment();
        if (substitutedRoutes.size() < 1_000 && substitutedRoutes.add(route)) {
            log.warn("route {}: limits {} go past the sliding log's {} per window (a tier or a key's override); "
                            + "they are decided by sliding-counter (logged once per route)", route,
                    windows.stream().map(RateLimit::text).toList(), Algorithm.MAX_SLIDING_LOG_LIMIT);
        }
    }

    private Future<Decision> fallback(String key, RateLimitConfig config, Algorithm algorithm, List<RateLimit> windows, String why) {
        if (!config.failOpen()) {
            return Future.failedFuture(new Unavailable(why));
        }
        List<RateLimit> share = windows.stream().map(l -> l.perNode(config.expectedNodes())).toList();
        return Future.succeededFuture(local.decide("fallback:" + key, algorithm, share, config.cost(), RateLimiterStore.STORE_CLOCK));
    }
}
