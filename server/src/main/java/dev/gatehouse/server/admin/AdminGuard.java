package dev.gatehouse.server.admin;

import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.server.auth.AuthFilter;
import dev.gatehouse.server.auth.Credentials;
import dev.gatehouse.server.auth.Identities;
import dev.gatehouse.server.auth.Identity;
import dev.gatehouse.server.pipeline.Problem;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import java.util.Optional;

/**
 * Lets a request through to an admin endpoint only with an admin-scoped API key or an admin's session: on the
 * admin listener as a route handler, on the gateway listener's admin views through {@link #check}.
 */
final class AdminGuard implements Handler<RoutingContext> {
    private final Identities identities;

    AdminGuard(Identities identities) {
        this.identities = identities;
    }

    @Override
    public void handle(RoutingContext ctx) {
        check(ctx.request(), ctx::next);
    }

    /** Runs {@code admitted} for an admin's credential; otherwise answers the request with 401, 403 or 503 itself. */
    void check(HttpServerRequest request, Runnable admitted) {
        String key = Credentials.presented(request);
        if (key == null) {
            request.response().putHeader("www-authenticate", "Bearer realm=\"gatehouse-admin\"");
            send(request, Problem.of(401, "unauthorized", "Unauthorized",
                    "the admin API needs an API key with the admin scope (X-API-Key or Authorization: Bearer)"));
            return;
        }
        identities.authenticate(key).onComplete(result -> {
            if (result.failed()) {
                // PostgreSQL cannot be asked: the key is unchecked, not wrong
                send(request, AuthFilter.identityUnavailable());
                return;
            }
            Optional<Identity> identity = result.result();
            if (identity.isEmpty()) {
                request.response().putHeader("www-authenticate", "Bearer realm=\"gatehouse-admin\", error=\"invalid_token\"");
                send(request, Problem.of(401, "unauthorized", "Unauthorized", ApiKeys.looksLikeSession(key)
                        ? "the session is not valid; log in again" : "the API key is not valid"));
            } else if (!admits(identity.get())) {
                send(request, Problem.of(403, "insufficient-scope", "Forbidden", "the admin API needs a key with the admin scope or an admin's session"));
            } else {
                admitted.run();
            }
        });
    }

    /**
     * For a long-lived answer (a stream) admitted earlier: runs {@code refused} once the request's credential is no
     * longer an admin's (revoked, expired, demoted). A failure to ask PostgreSQL leaves the stream be.
     */
    void recheck(HttpServerRequest request, Runnable refused) {
        String key = Credentials.presented(request);
        if (key == null) {
            refused.run();
            return;
        }
        identities.authenticate(key).onSuccess(identity -> {
            if (identity.isEmpty() || !admits(identity.get())) {
                refused.run();
            }
        });
    }

    private static boolean admits(Identity identity) {
        return identity.scopes().contains("admin") || "admin".equals(identity.role());
    }

    private static void send(HttpServerRequest request, Problem problem) {
        problem.send(request.response(), request.path(), null);
    }

}
