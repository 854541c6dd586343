package dev.gatehouse.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Fills a cache with the keys most likely to be read, before traffic asks for them: a node that starts (or
 * restarts) answers its hottest keys from memory from the first request instead of sending a burst of misses
 * to the source. The keys come from the caller's own record of what is hot (e.g. yesterday's counts), loaded
 * in one bulk read, at most {@code limit} of them.
 *
 * <p>What it gives up: a slower start (one bulk read) and memory spent on keys that may not be asked for;
 * warming is best effort, so a failure leaves a cold cache and is logged, never stopping the node.
 */
public final class CacheWarmer<V> {
    private static final Logger log = LoggerFactory.getLogger(CacheWarmer.class);

    private final String name;
    private final Counter warmed;

    public CacheWarmer(String name, MeterRegistry meters) {
        this.name = name;
        this.warmed = Counter.builder("gatehouse.cache.warmed").tag("cache", name)
                .description("Entries put into a cache by warming at start").register(meters);
    }

    /**
     * Loads the hottest keys and stores each: completes with how many were stored (0 after a failure, which is
     * logged). {@code hottest} is asked for at most {@code limit} keys.
     *
     * @param hottest the keys to warm, hottest first
     * @param load the values of those keys that exist, in one read
     * @param store puts one value into the cache
     */
    public Future<Integer> warm(int limit, Function<Integer, Future<List<String>>> hottest, Function<List<String>, Future<Map<String, V>>> load,
                                BiFunction<String, V, Future<Void>> store) {
        if (limit <= 0) {
            return Future.succeededFuture(0);
        }
        return hottest.apply(limit)
                .compose(keys -> keys.isEmpty() ? Future.succeededFuture(Map.<String, V>of()) : load.apply(keys.subList(0, Math.min(limit, keys.size()))))
                .compose(values -> {
                    List<Future<Void>> stores = values.entrySet().stream().map(e -> store.apply(e.getKey(), e.getValue())).toList();
                    return Future.join(stores).transform(done -> {
                        int stored = (int) stores.stream().filter(Future::succeeded).count();
                        warmed.increment(stored);
                        log.info("warmed cache {} with {} of its hottest keys", name, stored);
                        return Future.succeededFuture(stored);
                    });
                })
                .recover(error -> {
                    log.warn("could not warm cache {} ({}); it starts cold", name, error.getMessage());
                    return Future.succeededFuture(0);
                });
    }
}
