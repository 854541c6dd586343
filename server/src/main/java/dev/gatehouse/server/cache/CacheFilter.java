package dev.gatehouse.server.cache;

import dev.gatehouse.core.cache.CacheControl;
import dev.gatehouse.core.cache.CacheDecision;
import dev.gatehouse.core.cache.CacheKey;
import dev.gatehouse.core.config.RouteCacheConfig;
import dev.gatehouse.server.auth.Identity;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A route's response cache (in process): serves fresh stored answers with {@code X-Cache: HIT-L1} and
 * {@code Age}; on a miss lets one request per key reach the upstream while concurrent ones wait for it
 * (up to 5 s, then they go themselves); stores what {@link dev.gatehouse.core.cache.CachePolicy} allows;
 * drops a path's entries when an unsafe method on it succeeds.
 */
public final class CacheFilter implements Filter {
    private static final Set<String> NOT_STORED = Set.of("x-request-id", "x-cache", "age", "x-ratelimit-limit", "x-ratelimit-remaining",
            "x-ratelimit-reset", "ratelimit", "ratelimit-policy", "set-cookie", "connection", "transfer-encoding", "surrogate-key");
    private static final long COALESCE_WAIT_MILLIS = 5000;

    private final String route;
    private final RouteCacheConfig config;
    private final ResponseCache cache;
    private final Map<String, Future<Void>> inflight = new ConcurrentHashMap<>();
    private final Counter hits;
    private final Counter misses;
    private final Counter coalesced;

    public CacheFilter(String route, RouteCacheConfig config, ResponseCache cache, MeterRegistry meters) {
        this.route = route;
        this.config = config;
        this.cache = cache;
        this.hits = Counter.builder("gatehouse.cache.requests").tag("route", route).tag("result", "hit-l1").register(meters);
        this.misses = Counter.builder("gatehouse.cache.requests").tag("route", route).tag("result", "miss").register(meters);
        this.coalesced = Counter.builder("gatehouse.cache.requests").tag("route", route).tag("result", "coalesced").register(meters);
    }

    @Override
    public Future<Void> filter(Exchange exchange, Chain chain) {
        HttpServerRequest request = exchange.request();
        String method = request.method().name();
        String pathKey = route + "\u0000" + exchange.path();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            if (method.equals("OPTIONS") || method.equals("TRACE")) {
                return chain.proceed(exchange);
            }
            return chain.proceed(exchange).andThen(done -> {
                if (exchange.response().getStatusCode() / 100 == 2) {
                    cache.invalidatePath(pathKey);
                }
            });
        }
        Identity identity = exchange.get(Identity.KEY);
        String caller = config.policy().perCaller() ? (identity == null ? "anonymous" : identity.subject()) : null;
        CacheControl requestCc = CacheControl.parse(request.getHeader("cache-control"));
        String query = request.query();
        String base = CacheKey.of(route, exchange.path(), query, null, request::getHeader, caller);
        if (config.policy().mayServe(method, requestCc)) {
            CachedResponse hit = lookup(exchange, pathKey, base, caller);
            if (hit != null) {
                return serve(exchange.response(), hit);
            }
            Future<Void> leader = inflight.get(base);
            if (leader != null) {
                coalesced.increment();
                Context context = Vertx.currentContext();
                Promise<Void> turn = Promise.promise();
                boolean authenticated = identity != null || request.getHeader("authorization") != null;
                leader.timeout(COALESCE_WAIT_MILLIS, TimeUnit.MILLISECONDS).onComplete(r -> context.runOnContext(v -> {
                    // the leader has stored the answer by now, unless it was not cacheable or took too long
                    CachedResponse stored = lookup(exchange, pathKey, base, caller);
                    Future<Void> answered = stored != null ? serve(exchange.response(), stored)
                            : fetch(exchange, chain, pathKey, base, caller, authenticated, requestCc);
                    answered.onComplete(turn);
                }));
                return turn.future();
            }
        }
        return fetch(exchange, chain, pathKey, base, caller, identity != null || request.getHeader("authorization") != null, requestCc);
    }

    /** A fresh stored answer for this request, counted as a hit, or null. */
    private CachedResponse lookup(Exchange exchange, String pathKey, String base, String caller) {
        List<String> vary = cache.varyNames(base);
        CachedResponse hit = vary == null ? null : cache.get(fullKey(pathKey, exchange, vary, caller));
        if (hit != null) {
            hits.increment();
        }
        return hit;
    }

    private Future<Void> fetch(Exchange exchange, Chain chain, String pathKey, String base, String caller, boolean authenticated,
                               CacheControl requestCc) {
        misses.increment();
        Promise<Void> done = Promise.promise();
        Future<Void> mine = done.future();
        boolean leading = inflight.putIfAbsent(base, mine) == null;
        exchange.response().putHeader("x-cache", "MISS");
        String method = exchange.request().method().name();
        exchange.put(ResponseTap.KEY, new ResponseTap() {
            @Override
            public long maxBytes() {
                return config.maxEntryBytes();
            }

            @Override
            public void offer(int status, MultiMap headers, Buffer body) {
                if (headers.contains("set-cookie")) {
                    return;
                }
                String vary = headers.get("vary");
                CacheDecision decision = config.policy().decide(method, authenticated, requestCc, status,
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
                        : java.util.Arrays.stream(surrogate.trim().split("\\s+")).filter(t -> !t.isEmpty()).toList();
                cache.put(pathKey, base, fullKey(pathKey, exchange, varyNames, caller),
                        new CachedResponse(status, stored, body.copy(), cache.now(), decision.ttl().toNanos(), varyNames, tags));
            }
        });
        return chain.proceed(exchange).andThen(r -> {
            if (leading) {
                inflight.remove(base, mine);
            }
            done.tryComplete();
        });
    }

    private String fullKey(String pathKey, Exchange exchange, List<String> varyNames, String caller) {
        return pathKey + "\u0001" + CacheKey.of(route, exchange.path(), exchange.request().query(),
                varyNames.isEmpty() ? null : String.join(",", varyNames), exchange.request()::getHeader, caller);
    }

    private Future<Void> serve(HttpServerResponse response, CachedResponse hit) {
        response.setStatusCode(hit.status());
        for (Map.Entry<String, String> h : hit.headers()) {
            response.headers().add(h.getKey(), h.getValue());
        }
        response.putHeader("age", Long.toString(hit.ageSeconds(cache.now())));
        response.putHeader("x-cache", "HIT-L1");
        return response.end(hit.body());
    }
}
