package dev.gatehouse.core.cache;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * A route's response-cache rules: the subset of RFC 9111 a shared cache in front of an API needs.
 * GET and HEAD only; cacheable statuses only; {@code no-store}, {@code private} and {@code Vary: *}
 * refuse; {@code s-maxage} beats {@code max-age} beats the route's default TTL; requests that carry
 * {@code Authorization} are stored only when the route declares its content public or keys entries by
 * caller; {@code stale-while-revalidate} / {@code stale-if-error} are capped by the route's limits.
 *
 * @param defaultTtl freshness when the upstream says nothing
 * @param maxTtl the longest freshness the route allows, whatever the upstream says
 * @param publicContent whether answers to authenticated requests are the same for every caller
 * @param perCaller whether the cache key includes the caller's identity (then authenticated answers may be stored)
 * @param maxStale the longest a stale answer may be served (while revalidating or on error), whatever the upstream says
 * @param staleWhileRevalidate how long a stale answer is served while it is refreshed in the background, when the upstream does not say
 * @param staleIfError how long a stale answer is served when the upstream fails, when the upstream does not say
 */
public record CachePolicy(Duration defaultTtl, Duration maxTtl, boolean publicContent, boolean perCaller, Duration maxStale,
                          Duration staleWhileRevalidate, Duration staleIfError) {

    /** Statuses a cache may store without explicit freshness (RFC 9110 §15.1 "heuristically cacheable"). */
    private static final Set<Integer> CACHEABLE = Set.of(200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501);

    public CachePolicy {
        if (defaultTtl.isNegative() || maxTtl.isNegative() || maxStale.isNegative() || staleWhileRevalidate.isNegative()
                || staleIfError.isNegative()) {
            throw new IllegalArgumentException("cache durations must not be negative");
        }
        if (defaultTtl.compareTo(maxTtl) > 0) {
            throw new IllegalArgumentException("the default TTL " + defaultTtl + " exceeds the maximum " + maxTtl);
        }
        if (staleWhileRevalidate.compareTo(maxStale) > 0 || staleIfError.compareTo(maxStale) > 0) {
            throw new IllegalArgumentException("stale windows must not exceed maxStale " + maxStale);
        }
    }

    /** A policy without stale serving. */
    public CachePolicy(Duration defaultTtl, Duration maxTtl, boolean publicContent, boolean perCaller, Duration maxStale) {
        this(defaultTtl, maxTtl, publicContent, perCaller, maxStale, Duration.ZERO, Duration.ZERO);
    }

    /** The longest an entry of this route can be kept: its longest freshness plus its longest staleness. */
    public Duration longestLifetime() {
        return maxTtl.plus(maxStale);
    }

    /** Whether a request may be answered from the cache at all (before looking anything up). */
    public boolean mayServe(String method, CacheControl requestCacheControl) {
        return isCacheableMethod(method) && !requestCacheControl.noCache() && !requestCacheControl.noStore();
    }

    /** Whether and for how long an upstream answer to this request may be stored. */
    public CacheDecision decide(String method, boolean authenticated, CacheControl requestCacheControl, int status,
                                CacheControl response, String vary) {
        if (!isCacheableMethod(method)) {
            return CacheDecision.refuse("method " + method + " is not cached");
        }
        if (requestCacheControl.noStore()) {
            return CacheDecision.refuse("the request said no-store");
        }
        if (!CACHEABLE.contains(status)) {
            return CacheDecision.refuse("status " + status + " is not cacheable");
        }
        if (response.noStore()) {
            return CacheDecision.refuse("the response said no-store");
        }
        if (response.isPrivate()) {
            return CacheDecision.refuse("the response is private");
        }
        if (vary != null && vary.trim().equals("*")) {
            return CacheDecision.refuse("the response varies on everything (Vary: *)");
        }
        if (authenticated && !publicContent && !perCaller && !response.isPublic() && response.sMaxAge() < 0) {
            return CacheDecision.refuse("the request was authenticated and the route is neither public nor keyed by caller");
        }
        if (response.noCache()) {
            return CacheDecision.refuse("the response must be revalidated on every use (no-cache)");
        }
        long seconds = response.sMaxAge() >= 0 ? response.sMaxAge() : response.maxAge() >= 0 ? response.maxAge() : -1;
        Duration ttl = seconds >= 0 ? Duration.ofSeconds(seconds) : defaultTtl;
        if (ttl.compareTo(maxTtl) > 0) {
            ttl = maxTtl;
        }
        if (ttl.isZero()) {
            return CacheDecision.refuse("the response is already stale (max-age=0)");
        }
        Duration swr = response.mustRevalidate() ? Duration.ZERO : cap(response.staleWhileRevalidate(), staleWhileRevalidate);
        Duration sie = response.mustRevalidate() ? Duration.ZERO : cap(response.staleIfError(), staleIfError);
        return new CacheDecision(true, ttl, swr, sie, "stored for " + ttl.toSeconds() + " s");
    }

    /** The upstream's stale window (or the route's when the upstream is silent), capped by {@code maxStale}. */
    private Duration cap(long seconds, Duration routeDefault) {
        if (seconds < 0) {
            return routeDefault;
        }
        if (seconds == 0) {
            return Duration.ZERO;
        }
        Duration d = Duration.ofSeconds(seconds);
        return d.compareTo(maxStale) > 0 ? maxStale : d;
    }

    private static boolean isCacheableMethod(String method) {
        String m = method.toUpperCase(Locale.ROOT);
        return m.equals("GET") || m.equals("HEAD");
    }
}
