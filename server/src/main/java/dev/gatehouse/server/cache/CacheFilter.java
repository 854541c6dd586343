package dev.gatehouse.server.cache;

import dev.gatehouse.cache.TwoLevelCache;
import dev.gatehouse.core.cache.CacheControl;
import dev.gatehouse.core.cache.CacheDecision;
import dev.gatehouse.core.cache.CacheKey;
import dev.gatehouse.core.cache.Conditional;
import dev.gatehouse.core.config.RouteCacheConfig;
import dev.gatehouse.server.auth.Identity;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Upgrades;
import dev.gatehouse.server.pipeline.Filter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A route's response cache: serves fresh stored answers ({@code X-Cache: HIT-L1} from process memory,
 * {@code HIT-L2} from Redis) with {@code Age}; serves a stale answer within its stale-while-revalidate
 * window while one background request refreshes it, and within its stale-if-error window when the
 * upstream fails ({@code STALE}); on a miss lets one request per key reach the upstream while concurrent
 * ones wait for it (up to 5 s, then they go themselves); stores what {@link dev.gatehouse.core.cache.CachePolicy}
 * allows; drops a path's entries everywhere when an unsafe method on it succeeds ({@link WriteInvalidation}).
 */
public final class CacheFilter implements Filter {
    private static final Set<String> NOT_STORED = Set.of("x-request-id", "x-cache", "age", "x-ratelimit-limit", "x-ratelimit-remaining",
            "x-ratelimit-reset", "ratelimit", "ratelimit-policy", "set-cookie", "connection", "transfer-encoding", "surrogate-key");
    private static final long COALESCE_WAIT_MILLIS = 5000;

    private final String route;
    private final RouteCacheConfig config;
    private final ResponseCache cache;
    private final WriteInvalidation writes;
    private final Map<String, Future<Void>> inflight = new ConcurrentHashMap<>();
    private final Counter hitsL1;
    private final Counter hitsL2;
    private final Counter misses;
    private final Counter stale;
    private final Counter coalesced;

    public CacheFilter(String route, RouteCacheConfig config, ResponseCache cache, MeterRegistry meters) {
        this.route = route;
        this.config = config;
        this.cache = cache;
        this.writes = new WriteInvalidation(cache);
        this.hitsL1 = requests(meters, "hit-l1");
        this.hitsL2 = requests(meters, "hit-l2");
        this.misses = requests(meters, "miss");
        this.stale = requests(meters, "stale");
        this.coalesced = requests(meters, "coalesced");
    }

    private Counter requests(MeterRegistry meters, String result) {
        return Counter.builder("gatehouse.cache.requests").tag("route", route).tag("result", result)
                .description("Requests to cached routes by how the cache answered").register(meters);
    }

    /** What one request is looked up and stored under. */
    private final class Lookup {
        final Exchange exchange;
        final String caller;
        final String base;
        final boolean authenticated;
        final CacheControl requestCc;

        Lookup(Exchange exchange) {
            this.exchange = exchange;
            HttpServerRequest request = exchange.request();
            Identity identity = exchange.get(Identity.KEY);
            this.caller = config.policy().perCaller() ? (identity == null ? "anonymous" : identity.subject()) : null;
            this.base = CacheKey.of(route, exchange.path(), request.query(), null, request::getHeader, caller);
            this.authenticated = identity != null || request.getHeader("authorization") != null;
            this.requestCc = CacheControl.parse(request.getHeader("cache-control"));
        }

        String fullKey(List<String> varyNames) {
            return varyNames.isEmpty() ? base : CacheKey.of(route, exchange.path(), exchange.request().query(),
                    String.join(",", varyNames), exchange.request()::getHeader, caller);
        }
    }

    @Override
    public Future<Void> filter(Exchange exchange, Chain chain) {
        String method = exchange.request().method().name();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return writes.filter(exchange, chain);
        }
        if (Upgrades.isWebSocket(exchange.request())) {
            return chain.proceed(exchange); // a handshake is never answered from, nor stored in, the cache
        }
        Lookup lookup = new Lookup(exchange);
        if (!config.policy().mayServe(method, lookup.requestCc)) {
            return fetch(lookup, chain, null);
        }
        CachedResponse local = cache.findLocal(lookup.base, lookup::fullKey);
        if (local != null) {
            return answer(lookup, chain, local, TwoLevelCache.Level.L1); // the hot path: no futures, no Redis
        }
        return cache.findShared(lookup.base, lookup::fullKey)
                .compose(hit -> hit == null ? coalesceOrFetch(lookup, chain, null) : answer(lookup, chain, hit.value(), hit.level()));
    }

    private Future<Void> answer(Lookup lookup, Chain chain, CachedResponse entry, TwoLevelCache.Level level) {
        return switch (entry.stateAt(cache.nowMillis())) {
            case FRESH -> {
                (level == TwoLevelCache.Level.L1 ? hitsL1 : hitsL2).increment();
                cache.countHit(level);
                yield serve(lookup.exchange, entry, level == TwoLevelCache.Level.L1 ? "HIT-L1" : "HIT-L2");
            }
            case STALE_REVALIDATE -> {
                if (lookup.exchange.request().method().name().equals("GET")) {
                    revalidate(lookup, chain);
                }
                yield serveStale(lookup.exchange, entry);
            }
            case STALE_IF_ERROR -> coalesceOrFetch(lookup, chain, entry);
            case EXPIRED -> coalesceOrFetch(lookup, chain, null);
        };
    }

    private Future<Void> coalesceOrFetch(Lookup lookup, Chain chain, CachedResponse fallback) {
        // claimed in one step: two event loops missing the same key at once must not both lead
        Promise<Void> claim = Promise.promise();
        Future<Void> leader = inflight.putIfAbsent(lookup.base, claim.future());
        if (leader == null) {
            return fetch(lookup, chain, fallback, claim);
        }
        coalesced.increment();
        Context context = Vertx.currentContext();
        Promise<Void> turn = Promise.promise();
        leader.timeout(COALESCE_WAIT_MILLIS, TimeUnit.MILLISECONDS).onComplete(r -> context.runOnContext(v -> {
            // the leader has stored the answer by now, unless it was not cacheable or took too long
            CachedResponse stored = cache.findLocal(lookup.base, lookup::fullKey);
            Future<Void> answered;
            if (stored != null && stored.stateAt(cache.nowMillis()) == CachedResponse.State.FRESH) {
                hitsL1.increment();
                cache.countHit(TwoLevelCache.Level.L1);
                answered = serve(lookup.exchange, stored, "HIT-L1");
            } else {
                answered = fetch(lookup, chain, fallback);
            }
            answered.onComplete(turn);
        }));
        return turn.future();
    }

    /** Sends the request upstream, storing what may be stored; a stale {@code fallback} answers upstream failures. */
    private Future<Void> fetch(Lookup lookup, Chain chain, CachedResponse fallback) {
        return fetch(lookup, chain, fallback, null);
    }

    /** @param claimed this request's entry in {@code inflight}, already placed, or null to lead only if no one does */
    private Future<Void> fetch(Lookup lookup, Chain chain, CachedResponse fallback, Promise<Void> claimed) {
        misses.increment();
        cache.countMiss();
        Promise<Void> done = claimed != null ? claimed : Promise.promise();
        Future<Void> mine = done.future();
        boolean leading = claimed != null || inflight.putIfAbsent(lookup.base, mine) == null;
        lookup.exchange.response().putHeader("x-cache", "MISS");
        lookup.exchange.put(ResponseTap.KEY, new Tap(lookup, false, fallback));
        return chain.proceed(lookup.exchange).andThen(r -> {
            if (leading) {
                inflight.remove(lookup.base, mine);
            }
            done.tryComplete();
        });
    }

    /** Refreshes a stale entry with one background request per key; the client is answered from the stale copy. */
    private void revalidate(Lookup lookup, Chain chain) {
        Promise<Void> done = Promise.promise();
        Future<Void> mine = done.future();
        if (inflight.putIfAbsent(lookup.base, mine) != null) {
            return;
        }
        lookup.exchange.put(ResponseTap.KEY, new Tap(lookup, true, null));
        chain.proceed(lookup.exchange).onComplete(r -> {
            inflight.remove(lookup.base, mine);
            done.tryComplete();
        });
    }

    /** Where the proxy hands the upstream's answer (and its failures) back to the cache. */
    private final class Tap implements ResponseTap {
        private final Lookup lookup;
        private final boolean background;
        private final CachedResponse fallback;

        Tap(Lookup lookup, boolean background, CachedResponse fallback) {
            this.lookup = lookup;
            this.background = background;
            this.fallback = fallback;
        }

        @Override
        public long maxBytes() {
            return config.maxEntryBytes();
        }

        @Override
        public boolean clientAnswered() {
            return background;
        }

        @Override
        public Future<Void> answerInsteadOfError(int status) {
            if (fallback == null || background || fallback.stateAt(cache.nowMillis()) == CachedResponse.State.EXPIRED) {
                return null;
            }
            return serveStale(lookup.exchange, fallback);
        }

        @Override
        public void offer(int status, MultiMap headers, Buffer body) {
            if (headers.contains("set-cookie")) {
                return;
            }
            String vary = headers.get("vary");
            String method = lookup.exchange.request().method().name();
            CacheDecision decision = config.policy().decide(method, lookup.authenticated, lookup.requestCc, status,
                    CacheControl.parse(headers.get("cache-control")), vary);
            if (!decision.store()) {
                return;
            }
            List<String> varyNames = CacheKey.varyNames(vary);
            List<Map.Entry<String, String>> stored = new ArrayList<>();
            for (Map.Entry<String, String> h : headers) {
                if (!NOT_STORED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                    stored.add(new AbstractMap.SimpleImmutableEntry<>(h.getKey(), h.getValue()));
                }
            }
            String surrogate = headers.get("surrogate-key");
            List<String> tags = surrogate == null ? List.of()
                    : Arrays.stream(surrogate.trim().split("\\s+")).filter(t -> !t.isEmpty()).toList();
            CachedResponse response = new CachedResponse(status, List.copyOf(stored), body.copy(), cache.nowMillis(),
                    decision.ttl().toMillis(), decision.staleWhileRevalidate().toMillis(), decision.staleIfError().toMillis(),
                    varyNames, tags);
            cache.put(lookup.base, lookup.fullKey(varyNames), response, config.policy().longestLifetime());
        }
    }

    private Future<Void> serveStale(Exchange exchange, CachedResponse entry) {
        stale.increment();
        cache.countStale();
        return serve(exchange, entry, "STALE");
    }

    /** Headers a 304 carries from the stored answer (RFC 9110 §15.4.5); the rest describes a body it does not send. */
    private static final Set<String> NOT_MODIFIED_HEADERS = Set.of("cache-control", "content-location", "date", "etag", "expires", "vary");

    private Future<Void> serve(Exchange exchange, CachedResponse entry, String how) {
        HttpServerRequest request = exchange.request();
        HttpServerResponse response = exchange.response();
        boolean notModified = entry.status() / 100 == 2 && Conditional.notModified(request.getHeader("if-none-match"),
                request.getHeader("if-modified-since"), entry.header("etag"), entry.header("last-modified"));
        response.setStatusCode(notModified ? 304 : entry.status());
        for (Map.Entry<String, String> h : entry.headers()) {
            if (!notModified || NOT_MODIFIED_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                response.headers().add(h.getKey(), h.getValue());
            }
        }
        response.putHeader("age", Long.toString(entry.ageSeconds(cache.nowMillis())));
        response.putHeader("x-cache", how);
        return notModified ? response.end() : response.end(entry.body());
    }
}
