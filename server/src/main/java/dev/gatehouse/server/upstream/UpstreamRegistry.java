package dev.gatehouse.server.upstream;

import dev.gatehouse.core.config.TargetConfig;
import dev.gatehouse.core.config.UpstreamConfig;
import dev.gatehouse.core.time.Ticker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds upstream pools from configuration. On reload a target whose settings did not change is kept
 * as it is, so its health, breaker and in-flight count carry over; targets that went away lose their meters.
 */
public final class UpstreamRegistry {

    private final MeterRegistry meters;
    private final Ticker ticker;
    private final Map<String, List<Meter>> metersByTarget = new HashMap<>();
    private Map<String, UpstreamPool> pools = Map.of();

    public UpstreamRegistry(MeterRegistry meters, Ticker ticker) {
        this.meters = meters;
        this.ticker = ticker;
    }

    /** Builds the pools for a configuration, reusing unchanged targets. Not thread-safe: called by one reloader. */
    public synchronized Map<String, UpstreamPool> rebuild(Map<String, UpstreamConfig> configs) {
        Map<String, UpstreamTarget> previous = new HashMap<>();
        pools.values().forEach(p -> p.targets().forEach(t -> previous.put(key(p.name(), t.address()), t)));

        Map<String, UpstreamPool> next = new LinkedHashMap<>();
        Map<String, UpstreamTarget> kept = new HashMap<>();
        for (UpstreamConfig config : configs.values()) {
            List<UpstreamTarget> targets = new ArrayList<>();
            for (TargetConfig tc : config.targets()) {
                String key = key(config.name(), tc.address());
                UpstreamTarget old = previous.get(key);
                UpstreamTarget target = old != null && old.sameSettings(tc, config.health(), config.breaker())
                        ? old : new UpstreamTarget(config.name(), tc, config.health(), config.breaker(), ticker);
                targets.add(target);
                kept.put(key, target);
            }
            next.put(config.name(), new UpstreamPool(config, targets));
        }
        previous.forEach((key, target) -> {
            if (kept.get(key) != target) {
                List<Meter> old = metersByTarget.remove(key);
                if (old != null) {
                    old.forEach(meters::remove);
                }
            }
        });
        kept.forEach((key, target) -> metersByTarget.computeIfAbsent(key, k -> register(target)));
        pools = Map.copyOf(next);
        return pools;
    }

    public Map<String, UpstreamPool> pools() {
        return pools;
    }

    private List<Meter> register(UpstreamTarget t) {
        String[] tags = {"pool", t.pool(), "target", t.address()};
        List<Meter> registered = new ArrayList<>();
        registered.add(Gauge.builder("gatehouse.upstream.healthy", t, x -> x.health().isUsable() ? 1 : 0)
                .description("1 when the target takes traffic (healthy, not ejected)").tags(tags).register(meters));
        registered.add(Gauge.builder("gatehouse.upstream.in.flight", t, UpstreamTarget::inFlight)
                .description("Requests in flight to the target").tags(tags).register(meters));
        registered.add(Gauge.builder("gatehouse.upstream.breaker.open", t, x -> x.breakerState().equals("OPEN") ? 1 : 0)
                .description("1 while the target's circuit breaker is open").tags(tags).register(meters));
        registered.add(Gauge.builder("gatehouse.upstream.breaker.half.open", t, x -> x.breakerState().equals("HALF_OPEN") ? 1 : 0)
                .description("1 while the target's circuit breaker is half-open").tags(tags).register(meters));
        registered.add(FunctionCounter.builder("gatehouse.upstream.responses", t, UpstreamTarget::successes)
                .description("Calls to the target by outcome").tags(tags).tag("outcome", "success").register(meters));
        registered.add(FunctionCounter.builder("gatehouse.upstream.responses", t, UpstreamTarget::failures)
                .description("Calls to the target by outcome").tags(tags).tag("outcome", "failure").register(meters));
        return registered;
    }

    private static String key(String pool, String address) {
        return pool + "\u0000" + address;
    }
}
