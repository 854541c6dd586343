package dev.gatehouse.server.jobs;

import dev.gatehouse.core.jobs.QuotaPlan;
import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.Decision;
import dev.gatehouse.core.ratelimit.RateLimiterStore;
import dev.gatehouse.server.ratelimit.RedisRateLimiterStore;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The quota in Redis, shared by every node: the pace's slots ({@link QuotaStore#slots}) are handed out by the gateway's
 * exact limiter (its GCRA script, on Redis's clock, behind its breaker and timeout), a pause is a key that expires when the pause ends,
 * and each window's calls are counters that expire with their window. Keys carry the upstream as a hash tag, so they
 * share a Cluster slot.
 */
public final class RedisQuotaStore implements QuotaStore {
    /** Sets the pause unless a longer one is set: KEYS[1] the pause key, ARGV[1] its length in ms. */
    private static final String PAUSE = """
            local left = redis.call('PTTL', KEYS[1])
            if left < tonumber(ARGV[1]) then
              redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
            end
            return 1""";

    private final RedisRateLimiterStore limiter;
    private final Redis redis;
    private final String prefix;
    private final long timeoutMillis;
    private final dev.gatehouse.core.time.Clock clock;

    /**
     * @param prefix put before every key, e.g. {@code gh:jobs:}
     * @param clock aligns the windows counted for reading (the pace itself is on Redis's clock)
     */
    public RedisQuotaStore(RedisRateLimiterStore limiter, Redis redis, String prefix, Duration timeout, dev.gatehouse.core.time.Clock clock) {
        this.limiter = limiter;
        this.redis = redis;
        this.prefix = prefix;
        this.timeoutMillis = Math.max(1000, timeout.toMillis() * 10);
        this.clock = clock;
    }

    private String key(String upstream, String name) {
        return prefix + "{" + upstream + "}:" + name;
    }

    @Override
    public Slot take(String upstream, QuotaPlan plan) throws Exception {
        long paused = pausedMillis(upstream);
        if (paused > 0) {
            return Slot.later(paused * 1000);
        }
        Decision decision = await(limiter.decide("jobs:" + upstream, Algorithm.GCRA, List.of(QuotaStore.slots(plan)), 1,
                RateLimiterStore.STORE_CLOCK));
        if (!decision.allowed()) {
            return QuotaStore.slot(decision, plan);
        }
        long now = clock.epochMicros();
        List<Request> counts = new ArrayList<>();
        for (int i = 0; i < plan.windows().size(); i++) {
            QuotaPlan.Window w = plan.windows().get(i);
            String key = key(upstream, "used:" + i + ":" + w.limit().windowMicros() + ":" + QuotaPlan.windowStart(w.limit(), now));
            counts.add(Request.cmd(Command.INCR).arg(key));
            counts.add(Request.cmd(Command.PEXPIRE).arg(key).arg(w.limit().window().toMillis() * 2));
        }
        // counted for reading only: a lost count never lets a call through
        redis.batch(counts);
        return QuotaStore.slot(decision, plan);
    }

    @Override
    public void pause(String upstream, Duration pause) throws Exception {
        await(redis.send(Request.cmd(Command.EVAL).arg(PAUSE).arg(1).arg(key(upstream, "pause")).arg(Math.max(1, pause.toMillis()))));
    }

    @Override
    public long pausedMillis(String upstream) throws Exception {
        Response left = await(redis.send(Request.cmd(Command.PTTL).arg(key(upstream, "pause"))));
        return left == null ? 0 : Math.max(0, left.toLong());
    }

    @Override
    public List<Long> used(String upstream, QuotaPlan plan) throws Exception {
        long now = clock.epochMicros();
        Request get = Request.cmd(Command.MGET);
        for (int i = 0; i < plan.windows().size(); i++) {
            QuotaPlan.Window w = plan.windows().get(i);
            get.arg(key(upstream, "used:" + i + ":" + w.limit().windowMicros() + ":" + QuotaPlan.windowStart(w.limit(), now)));
        }
        Response values = await(redis.send(get));
        List<Long> used = new ArrayList<>();
        for (int i = 0; i < plan.windows().size(); i++) {
            Response v = values.get(i);
            used.add(v == null ? 0L : v.toLong());
        }
        return used;
    }

    private <T> T await(Future<T> future) throws Exception {
        try {
            return future.toCompletionStage().toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
