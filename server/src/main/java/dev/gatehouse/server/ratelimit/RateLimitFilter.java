package dev.gatehouse.server.ratelimit;

import dev.gatehouse.core.config.RateLimitConfig;
import dev.gatehouse.core.http.TrustedProxies;
import dev.gatehouse.core.ratelimit.Decision;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.server.auth.Identities;
import dev.gatehouse.server.auth.Identity;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.Forwarded;
import dev.gatehouse.server.pipeline.Problem;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Applies a route's rate limit to the caller: its API key when it authenticated, else its address
 * (forwarded addresses only from trusted proxies). With {@code tiers} the caller's tier limits apply
 * ({@code anonymous} without a key), or its key's own override. Every answer carries {@code X-RateLimit-*} and the IETF {@code RateLimit} /
 * {@code RateLimit-Policy} fields; a refusal is a 429 problem with {@code Retry-After}.
 */
public final class RateLimitFilter implements Filter {
    private final String route;
    private final RateLimitConfig config;
    private final RateLimiters limiters;
    private final TrustedProxies trusted;
    private final Identities identities;
    private final String policy;
    private final Counter allowed;
    private final Counter rejected;
    private final Counter unavailable;

    public RateLimitFilter(String route, RateLimitConfig config, RateLimiters limiters, TrustedProxies trusted,
                           Identities identities, MeterRegistry meters) {
        this.route = route;
        this.config = config;
        this.limiters = limiters;
        this.trusted = trusted;
        this.identities = identities;
        this.policy = config.tiers() ? null : policy(config.limits());
        this.allowed = decisions(meters, "allowed");
        this.rejected = decisions(meters, "rejected");
        this.unavailable = decisions(meters, "unavailable");
    }

    private Counter decisions(MeterRegistry meters, String outcome) {
        return Counter.builder("gatehouse.ratelimit.decisions").description("Rate-limit decisions by route and outcome")
                .tag("route", route).tag("outcome", outcome).register(meters);
    }

    @Override
    public Future<Void> filter(Exchange exchange, Chain chain) {
        Identity identity = exchange.get(Identity.KEY);
        String subject;
        if (identity != null) {
            subject = identity.subject();
        } else {
            subject = "ip:" + Forwarded.client(exchange.request(), trusted);
        }
        List<RateLimit> windows = windows(identity);
        String windowsPolicy = policy != null ? policy : policy(windows);
        return limiters.decide(route, config, subject, windows).compose(decision -> {
            headers(exchange.response().headers(), decision, windowsPolicy);
            if (decision.allowed()) {
                allowed.increment();
                return chain.proceed(exchange);
            }
            rejected.increment();
            exchange.failure("rate-limited");
            return Problem.of(429, "rate-limited", "Too many requests", refusal(decision, windows))
                    .retryAfter(decision.retryAfterSeconds())
                    .send(exchange.response(), exchange.path(), exchange.requestId());
        }, error -> {
            unavailable.increment();
            exchange.failure("rate-limiter-unavailable");
            return Problem.of(503, "rate-limiter-unavailable", "Rate limiter unavailable",
                            "the shared rate limiter cannot decide right now and this route does not run without it; retry shortly")
                    .retryAfter(1)
                    .send(exchange.response(), exchange.path(), exchange.requestId());
        });
    }

    private String refusal(Decision decision, List<RateLimit> windows) {
        RateLimit below = config.belowCost(windows);
        if (below != null) {
            // a tier or key override edited below the route's cost: waiting does not help, so say so
            return "a request to route '" + route + "' costs " + config.cost() + ", more than this client's limit of '" + below.text()
                    + "': it can never pass; it needs a tier or key rate limit of at least " + config.cost() + " per window";
        }
        return "this client has used its " + decision.limit() + " requests for the current window of route '" + route
                + "'; retry in " + decision.retryAfterSeconds() + " s";
    }

    /** The route's own windows, plus the caller's tier limits (or its key's override) when the route uses tiers. */
    private List<RateLimit> windows(Identity identity) {
        if (!config.tiers()) {
            return config.limits();
        }
        List<RateLimit> tier = identity != null && identity.override() != null ? identity.override()
                : identities.tier(identity != null ? identity.tier() : "anonymous");
        if (tier == null) {
            tier = identities.tier("anonymous");
        }
        if (config.limits().isEmpty()) {
            return tier == null ? List.of() : tier;
        }
        List<RateLimit> all = new ArrayList<>(config.limits());
        if (tier != null) {
            all.addAll(tier);
        }
        return all;
    }

    private static String policy(List<RateLimit> windows) {
        return windows.stream().map(RateLimit::policy).collect(Collectors.joining(", "));
    }

    // names encoded once: set on every answer of a limited route
    private static final CharSequence LIMIT = HttpHeaders.createOptimized("x-ratelimit-limit");
    private static final CharSequence REMAINING = HttpHeaders.createOptimized("x-ratelimit-remaining");
    private static final CharSequence RESET = HttpHeaders.createOptimized("x-ratelimit-reset");
    private static final CharSequence POLICY = HttpHeaders.createOptimized("ratelimit-policy");
    private static final CharSequence RATELIMIT = HttpHeaders.createOptimized("ratelimit");

    private void headers(MultiMap headers, Decision d, String policy) {
        String limit = Long.toString(d.limit());
        String remaining = Long.toString(d.remaining());
        String reset = Long.toString(d.resetSeconds());
        headers.set(LIMIT, limit);
        headers.set(REMAINING, remaining);
        headers.set(RESET, reset);
        headers.set(POLICY, policy);
        headers.set(RATELIMIT, "limit=" + limit + ", remaining=" + remaining + ", reset=" + reset);
    }
}
