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
import dev.gatehouse.server.pipeline.Body;
import dev.gatehouse.server.pipeline.Response;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger log = LoggerFactory.getLogger(CacheFilter.class);
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
    public Future<Response> filter(Exchange exchange, Chain chain) {
        String method = exchange.request().method().name();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return writes.filter(exchange, chain);
        }
        if (Upgrades.isWebSocket(exchange.request())) {
            return chain.proceed(exchange); // a handshake is never answered from, nor stored in, the cache
        }
        Lookup lookup = new Lookup(exchange);
        if (!config.policy().mayServe(method, lookup.requestCc)) {
            return fetch(lookup, chain, null, null);
        }
        CachedResponse local = cache.findLocal(lookup.base, lookup::fullKey);
        if (local != null) {
            return answer(lookup, chain, local, TwoLevelCache.Level.L1); // the hot path: no futures, no Redis
        }
        return cache.findShared(lookup.base, lookup::fullKey)
                .compose(hit -> hit == null ? coalesceOrFetch(lookup, chain, null) : answer(lookup, chain, hit.value(), hit.level()));
    }

    private Future<Response> answer(Lookup lookup, Chain chain, CachedResponse entry, TwoLevelCache.Level level) {
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

    private Future<Response> coalesceOrFetch(Lookup lookup, Chain chain, CachedResponse fallback) {
        // claimed in one step: two event loops missing the same key at once must not both lead
        Promise<Void> claim = Promise.promise();
        Future<Void> leader = inflight.putIfAbsent(lookup.base, claim.future());
        if (leader == null) {
            return fetch(lookup, chain, fallback, claim);
        }
        coalesced.increment();
        Context context = Vertx.currentContext();
        Promise<Response> turn = Promise.promise();
        leader.timeout(COALESCE_WAIT_MILLIS, TimeUnit.MILLISECONDS).onComplete(r -> context.runOnContext(v -> {
            // the leader has stored the answer by now, unless it was not cacheable or took too long
            CachedResponse stored = cache.findLocal(lookup.base, lookup::fullKey);
            Future<Response> answered;
            if (stored != null && stored.stateAt(cache.nowMillis()) == CachedResponse.State.FRESH) {
                hitsL1.increment();
                cache.countHit(TwoLevelCache.Level.L1);
                answered = serve(lookup.exchange, stored, "HIT-L1");
            } else {
                answered = fetch(lookup, chain, fallback, null);
            }
            answered.onComplete(turn);
        }));
        return turn.future();
    }

    /**
     * Sends the request on, storing on its way back what may be stored; a stale {@code fallback} answers
     * instead of an upstream error.
     *
     * @param claimed this request's entry in {@code inflight}, already placed, or null to lead only if no one does
     */
    private Future<Response> fetch(Lookup lookup, Chain chain, CachedResponse fallback, Promise<Void> claimed) {
        misses.increment();
        cache.countMiss();
        Promise<Void> done = claimed != null ? claimed : Promise.promise();
        Future<Void> mine = done.future();
        boolean leading = claimed != null || inflight.putIfAbsent(lookup.base, mine) == null;
        // followers wait until the leader's answer is stored, or has failed, or could not be stored
        Runnable settled = () -> {
            if (leading) {
                inflight.remove(lookup.base, mine);
            }
            done.tryComplete();
        };
        lookup.exchange.responseHeaders().set("x-cache", "MISS");
        return chain.proceed(lookup.exchange).map(response -> {
            if (response.status() >= 500 && fallback != null && fallback.stateAt(cache.nowMillis()) != CachedResponse.State.EXPIRED) {
                response.body().abort();
                settled.run();
                return stale(lookup.exchange, fallback);
            }
            Response passed = storeOnTheWay(lookup, response, settled);
            passed.sent().onComplete(sent -> settled.run());
            return passed;
        }).onFailure(failed -> settled.run());
    }

    /** Refreshes a stale entry with one background request per key; the client is answered from the stale copy. */
    private void revalidate(Lookup lookup, Chain chain) {
        Promise<Void> done = Promise.promise();
        Future<Void> mine = done.future();
        if (inflight.putIfAbsent(lookup.base, mine) != null) {
            return;
        }
        Runnable settled = () -> {
            inflight.remove(lookup.base, mine);
            done.tryComplete();
        };
        chain.proceedDetached(lookup.exchange).onComplete(refreshed -> {
            if (refreshed.failed()) {
                settled.run();
                return;
            }
            Response response = storeOnTheWay(lookup, refreshed.result(), settled);
            Body body = response.body();
            if (body.stream() == null) {
                settled.run();
                return;
            }
            // nobody reads a refresh but the cache: read it to its end (it is bounded, or it would not be stored)
            body.stream().handler(chunk -> { });
            body.stream().endHandler(v -> settled.run());
            body.stream().exceptionHandler(e -> settled.run());
            body.stream().resume();
        });
    }

    /**
     * The answer as it goes on to the client, with what may be stored stored on the way: a body held whole at
     * once, a streamed one (of known length up to {@code maxEntryBytes}) copied as it passes. Anything else
     * is passed on as it is; a refresh that cannot be stored is not read at all. {@code settled} runs once
     * the answer is stored, or known not to be.
     */
    private Response storeOnTheWay(Lookup lookup, Response response, Runnable settled) {
        Body body = response.body();
        CacheDecision decision = storable(lookup, response);
        if (decision == null || body.length() < 0 || body.length() > config.maxEntryBytes() || body.upgrade() != null) {
            if (lookup.exchange.isDetached()) {
                body.abort();
                return response.body(Body.empty());
            }
            return response;
        }
        // the headers as they are now: stages nearer the client may change them for this answer alone (compression)
        Stored stored = stored(response.headers());
        if (body.whole() != null) {
            store(lookup, response.status(), stored, body.whole(), decision);
            settled.run();
            return response;
        }
        int status = response.status();
        return response.body(body.through(new StoringStream(body.stream(), body.length(), copy -> {
            store(lookup, status, stored, copy, decision);
            settled.run();
        }), body.length()));
    }

    /** What of an answer's headers the cache keeps, with its Vary names and Surrogate-Key tags. */
    private record Stored(List<Map.Entry<String, String>> headers, List<String> varyNames, List<String> tags) {
    }

    private static Stored stored(MultiMap headers) {
        List<Map.Entry<String, String>> kept = new ArrayList<>();
        for (Map.Entry<String, String> h : headers) {
            if (!NOT_STORED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                kept.add(new AbstractMap.SimpleImmutableEntry<>(h.getKey(), h.getValue()));
            }
        }
        String surrogate = headers.get("surrogate-key");
        List<String> tags = surrogate == null ? List.of()
                : Arrays.stream(surrogate.trim().split("\\s+")).filter(t -> !t.isEmpty()).toList();
        return new Stored(List.copyOf(kept), CacheKey.varyNames(headers.get("vary")), tags);
    }

    /** What the policy says of storing this answer, or null when it must not be stored. */
    private CacheDecision storable(Lookup lookup, Response response) {
        MultiMap headers = response.headers();
        String method = lookup.exchange.request().method().name();
        if (!method.equals("GET") || headers.contains("set-cookie")) {
            return null;
        }
        CacheDecision decision = config.policy().decide(method, lookup.authenticated, lookup.requestCc, response.status(),
                CacheControl.parse(headers.get("cache-control")), headers.get("vary"));
        return decision.store() ? decision : null;
    }

    private void store(Lookup lookup, int status, Stored stored, Buffer body, CacheDecision decision) {
        try {
            CachedResponse response = new CachedResponse(status, stored.headers(), body.copy(), cache.nowMillis(),
                    decision.ttl().toMillis(), decision.staleWhileRevalidate().toMillis(), decision.staleIfError().toMillis(),
                    stored.varyNames(), stored.tags());
            cache.put(lookup.base, lookup.fullKey(stored.varyNames()), response, config.policy().longestLifetime());
        } catch (RuntimeException e) {
            // a bug to log, never a reason to fail the client's answer
            log.error("the response cache could not store an answer for {}", lookup.exchange.path(), e);
        }
    }

    private Future<Response> serveStale(Exchange exchange, CachedResponse entry) {
        return Future.succeededFuture(stale(exchange, entry));
    }

    private Response stale(Exchange exchange, CachedResponse entry) {
        stale.increment();
        cache.countStale();
        return build(exchange, entry, "STALE");
    }

    /** Headers a 304 carries from the stored answer (RFC 9110 §15.4.5); the rest describes a body it does not send. */
    private static final Set<String> NOT_MODIFIED_HEADERS = Set.of("cache-control", "content-location", "date", "etag", "expires", "vary");

    private Future<Response> serve(Exchange exchange, CachedResponse entry, String how) {
        return Future.succeededFuture(build(exchange, entry, how));
    }

    private Response build(Exchange exchange, CachedResponse entry, String how) {
        HttpServerRequest request = exchange.request();
        MultiMap headers = exchange.responseHeaders();
        boolean notModified = entry.status() / 100 == 2 && Conditional.notModified(request.getHeader("if-none-match"),
                request.getHeader("if-modified-since"), entry.header("etag"), entry.header("last-modified"));
        for (Map.Entry<String, String> h : entry.headers()) {
            if (!notModified || NOT_MODIFIED_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                headers.add(h.getKey(), h.getValue());
            }
        }
        headers.set("age", Long.toString(entry.ageSeconds(cache.nowMillis())));
        headers.set("x-cache", how);
        return Response.of(exchange, notModified ? 304 : entry.status(), notModified ? Body.empty() : Body.of(entry.body()));
    }
}
