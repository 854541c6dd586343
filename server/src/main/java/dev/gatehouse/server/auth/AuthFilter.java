package dev.gatehouse.server.auth;

import dev.gatehouse.server.pipeline.Caller;
import dev.gatehouse.core.config.AuthConfig;
import dev.gatehouse.core.config.CredentialType;
import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.HeaderNames;
import dev.gatehouse.server.pipeline.Problem;
import dev.gatehouse.server.pipeline.Response;
import dev.gatehouse.server.pipeline.Trace;
import io.vertx.core.Future;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Authenticates the caller of a route from an API key ({@code X-API-Key}, or {@code Authorization:
 * Bearer gh_live_…}), a login session ({@code Bearer gh_sess_…}) or an end-user JWT (a bearer token of three
 * dot-separated parts), as far as the route accepts it, and checks the route's scopes and role. An unknown,
 * revoked or expired key all get the same 401, so the answer never tells whether a key exists.
 * {@link CallerHeadersFilter}, next in the chain, decides which credentials go upstream.
 */
public final class AuthFilter implements Filter {
    /** The credential check's span name by credential type, when the request is traced. */
    private static final Map<CredentialType, String> SPAN_NAMES = new EnumMap<>(CredentialType.class);

    static {
        for (CredentialType type : CredentialType.values()) {
            SPAN_NAMES.put(type, "authenticate " + type.configName());
        }
    }

    private final AuthConfig config;
    private final Identities identities;

    public AuthFilter(AuthConfig config, Identities identities) {
        this.config = config;
        this.identities = identities;
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        String credential = Credentials.presented(exchange.request());
        if (credential == null && config.accept().contains(CredentialType.CLIENT_CERT)) {
            String subject = ClientCertificates.subject(exchange.request());
            if (subject != null) {
                Identity identity = new Identity("cert:" + subject, null, Set.of(), null, null, null);
                if (!config.scopes().isEmpty()) {
                    return Problem.of(403, "insufficient-scope", "Forbidden", "this route needs scope " + String.join(", ", config.scopes())
                            + ", and a client certificate carries no scopes").answer(exchange);
                }
                exchange.put(Identity.KEY, identity);
                exchange.caller(Caller.of(identity.subject(), null));
                return chain.proceed(exchange);
            }
        }
        if (credential == null) {
            if (config.required()) {
                if (config.accept().contains(CredentialType.CLIENT_CERT)) {
                    return unauthorized(exchange, "this route needs a client certificate the gateway trusts"
                            + (config.accept().size() > 1 ? ", or credentials as X-API-Key or Authorization: Bearer" : ""), null);
                }
                return unauthorized(exchange, "this route needs credentials: an API key as X-API-Key, or an API key or session token as Authorization: Bearer", null);
            }
            return chain.proceed(exchange);
        }
        CredentialType type = ApiKeys.looksLikeSession(credential) ? CredentialType.SESSION
                : looksLikeJwt(credential) ? CredentialType.JWT : CredentialType.API_KEY;
        if (!config.accept().contains(type)) {
            if (config.accept().equals(List.of(CredentialType.CLIENT_CERT))) {
                return unauthorized(exchange, "this route accepts client certificates only", "invalid_token");
            }
            return unauthorized(exchange, "this route accepts " + String.join(" or ", config.accept().stream().map(CredentialType::configName).toList())
                    + " credentials", "invalid_token");
        }
        // spans the credential check: a cache hit, or the PostgreSQL look-up (or JWKS fetch) on a miss
        Future<java.util.Optional<Identity>> lookup = Trace.around(exchange, SPAN_NAMES.get(type),
                () -> type == CredentialType.JWT ? identities.authenticateJwt(credential) : identities.authenticate(credential),
                (span, found) -> span.setAttribute("gatehouse.identity.valid", found.isPresent()));
        return lookup.compose(found -> {
            if (found.isEmpty()) {
                return unauthorized(exchange, switch (type) {
                    case SESSION -> "the session is not valid; log in again";
                    case JWT -> "the token is not valid";
                    default -> "the API key is not valid";
                }, "invalid_token");
            }
            Identity identity = found.get();
            if (config.role() != null && !config.role().equals(identity.role()) && !"admin".equals(identity.role())) {
                return Problem.of(403, "insufficient-role", "Forbidden", "this route needs a logged-in " + config.role())
                        .answer(exchange);
            }
            List<String> missing = config.scopes().isEmpty() ? List.of()
                    : config.scopes().stream().filter(s -> !identity.scopes().contains(s)).toList();
            if (!missing.isEmpty()) {
                return Problem.of(403, "insufficient-scope", "Forbidden", "this route needs scope " + String.join(", ", missing) + ", "
                                + switch (type) {
                                    // a login session grants a role, never scopes: no admin session can pass a scoped route
                                    case SESSION -> "and a login session carries no scopes; call it with an API key or token that has "
                                            + (missing.size() == 1 ? "it" : "them");
                                    case JWT -> "which the token does not grant";
                                    default -> "which the key does not have";
                                })
                        .answer(exchange);
            }
            exchange.put(Identity.KEY, identity);
            exchange.caller(Caller.of(identity.subject(), identity.tier()));
            if (type == CredentialType.JWT && exchange.request().getHeader(HeaderNames.X_API_KEY) == null) {
                // an end-user JWT is meant for the API behind the gateway: once verified, upstreams may read it
                exchange.put(CallerHeadersFilter.VERIFIED_AUTHORIZATION, Boolean.TRUE);
            }
            return chain.proceed(exchange);
        }, error -> {
            // the key store is down or too busy to ask: neither a yes nor a no about the credential
            return identityUnavailable().answer(exchange);
        });
    }

    /**
     * The answer when a credential cannot be checked (PostgreSQL unreachable or too busy, JWT keys not
     * fetchable): never a 401, which would tell a valid caller its credential is wrong.
     */
    public static Problem identityUnavailable() {
        return Problem.of(503, "identity-unavailable", "Credentials cannot be checked",
                "the gateway cannot check credentials right now; retry shortly").retryAfter(1);
    }

    private static Future<Response> unauthorized(Exchange exchange, String detail, String error) {
        Future<Response> answer = Problem.of(401, "unauthorized", "Unauthorized", detail).answer(exchange);
        answer.result().headers().set("www-authenticate", "Bearer realm=\"gatehouse\"" + (error == null ? "" : ", error=\"" + error + "\""));
        return answer;
    }

    /** Three base64url parts separated by dots: a JWS compact serialisation. */
    static boolean looksLikeJwt(String credential) {
        int first = credential.indexOf('.');
        return first > 0 && credential.indexOf('.', first + 1) > first + 1 && !credential.startsWith("gh_");
    }

}
