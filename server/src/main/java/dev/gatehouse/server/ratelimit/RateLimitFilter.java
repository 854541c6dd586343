package dev.gatehouse.server.ratelimit;

import dev.gatehouse.core.config.RateLimitConfig;
import dev.gatehouse.core.http.TrustedProxies;
import dev.gatehouse.core.ratelimit.Decision;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.core.ratelimit.RateLimitFields;
import dev.gatehouse.core.ratelimit.RateLimitFields.Quota;
import dev.gatehouse.server.auth.Identities;
import dev.gatehouse.server.auth.Identity;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.Forwarded;
import dev.gatehouse.server.pipeline.Problem;
import dev.gatehouse.server.pipeline.Response;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import dev.gatehouse.server.pipeline.Trace;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;

/**
 * Applies a route's rate limit to the caller: its API key when it authenticated, else its address
 * (forwarded addresses only from trusted proxies). With {@code tiers} the caller's tier limits apply
 * ({@code anonymous} without a key), or its key's own override. Every answer carries {@code X-RateLimit-*} and the
 * {@code RateLimit-Policy} / {@code RateLimit} fields ({@link RateLimitFields}: the route's windows named by their
 * length, a tier's after the tier, a key's override after {@code key}); a refusal is a 429 problem with {@code Retry-After}.
 */
public final class RateLimitFilter implements Filter {
    private final String route;
    /** The name of the decision's span when the request is traced. */
    private final String spanName;
    private final RateLimitConfig config;
    private final RateLimiters limiters;
    private final TrustedProxies trusted;
    private final Identities identities;
    /** The route's own windows, named, and (without tiers) the policy field they make. */
    private final List<Quota> routeQuotas;
    private final String routePolicy;
    private final Counter allowed;
    private final Counter rejected;
    private final Counter unavailable;

    public RateLimitFilter(String route, RateLimitConfig config, RateLimiters limiters, TrustedProxies trusted,
                           Identities identities, MeterRegistry meters) {
        this.route = route;
        this.spanName = "rate limit " + config.mode().configName();
        this.config = config;
        this.limiters = limiters;
        this.trusted = trusted;
        this.identities = identities;
        this.routeQuotas = RateLimitFields.named(null, config.limits());
        this.routePolicy = config.tiers() ? null : RateLimitFields.policy(routeQuotas);
        this.allowed = decisions(meters, "allowed");
        this.rejected = decisions(meters, "rejected");
        this.unavailable = decisions(meters, "unavailable");
    }

    private Counter decisions(MeterRegistry meters, String outcome) {
        return Counter.builder("gatehouse.ratelimit.decisions").description("Rate-limit decisions by route and outcome")
                .tag("route", route).tag("outcome", outcome).register(meters);
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        Identity identity = exchange.get(Identity.KEY);
        String subject;
        if (identity != null) {
            subject = identity.subject();
        } else {
            subject = "ip:" + Forwarded.client(exchange.request(), trusted);
        }
        List<Quota> quotas = config.tiers() ? quotas(identity) : routeQuotas;
        List<RateLimit> windows = config.tiers() ? quotas.stream().map(Quota::limit).toList() : config.limits();
        String policy = routePolicy != null ? routePolicy : RateLimitFields.policy(quotas);
        return Trace.around(exchange, spanName, () -> limiters.decide(route, config, subject, windows),
                (span, decision) -> span.setAttribute("gatehouse.rate_limit.allowed", decision.allowed())).compose(decision -> {
            if (!quotas.isEmpty()) {
                headers(exchange.responseHeaders(), decision, quotas, policy);
            }
            if (decision.allowed()) {
                allowed.increment();
                exchange.rateLimit("allowed");
                return chain.proceed(exchange);
            }
            rejected.increment();
            exchange.rateLimit("limited");
            return Problem.of(429, "rate-limited", "Too many requests", refusal(decision, windows))
                    .retryAfter(decision.retryAfterSeconds())
                    .answer(exchange);
        }, error -> {
            unavailable.increment();
            exchange.rateLimit("unavailable");
            return Problem.of(503, "rate-limiter-unavailable", "Rate limiter unavailable",
                            "the shared rate limiter cannot decide right now and this route does not run without it; retry shortly")
                    .retryAfter(1)
                    .answer(exchange);
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

    /**
     * The route's own windows, plus the caller's tier limits (named after the tier) or its key's override
     * (named after {@code key}) when the route uses tiers.
     */
    private List<Quota> quotas(Identity identity) {
        List<Quota> tier;
        if (identity != null && identity.override() != null) {
            tier = RateLimitFields.named("key", identity.override());
        } else {
            String name = identity != null && identity.tier() != null ? identity.tier() : "anonymous"; // a client certificate has no tier
            List<RateLimit> limits = identities.tier(name);
            if (limits == null) {
                name = "anonymous";
                limits = identities.tier(name);
            }
            tier = limits == null ? List.of() : RateLimitFields.named(name, limits);
        }
        if (routeQuotas.isEmpty()) {
            return tier;
        }
        List<Quota> all = new ArrayList<>(routeQuotas);
        all.addAll(tier);
        return all;
    }

    // names encoded once: set on every answer of a limited route
    private static final CharSequence LIMIT = HttpHeaders.createOptimized("x-ratelimit-limit");
    private static final CharSequence REMAINING = HttpHeaders.createOptimized("x-ratelimit-remaining");
    private static final CharSequence RESET = HttpHeaders.createOptimized("x-ratelimit-reset");
    private static final CharSequence POLICY = HttpHeaders.createOptimized("ratelimit-policy");
    private static final CharSequence RATELIMIT = HttpHeaders.createOptimized("ratelimit");

    private void headers(MultiMap headers, Decision d, List<Quota> quotas, String policy) {
        headers.set(LIMIT, Long.toString(d.limit()));
        headers.set(REMAINING, Long.toString(d.remaining()));
        headers.set(RESET, Long.toString(d.resetSeconds()));
        headers.set(POLICY, policy);
        Quota decided = quotas.size() == 1 ? quotas.get(0) : RateLimitFields.decidedBy(quotas, d.limit(), config.expectedNodes());
        headers.set(RATELIMIT, RateLimitFields.rateLimit(decided, d.remaining(), d.resetSeconds()));
    }
}
