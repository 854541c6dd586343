package dev.gatehouse.server.admin;

import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.server.auth.AuthFilter;
import dev.gatehouse.server.auth.Credentials;
import dev.gatehouse.server.auth.Identities;
import dev.gatehouse.server.auth.Identity;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.Optional;

import static dev.gatehouse.server.admin.AdminCalls.problem;

/** Lets a request through to an admin endpoint only with an admin-scoped API key or an admin's session. */
final class AdminGuard implements Handler<RoutingContext> {
    private final Identities identities;

    AdminGuard(Identities identities) {
        this.identities = identities;
    }

    @Override
    public void handle(RoutingContext ctx) {
        requireAdmin(ctx);
    }

    private void requireAdmin(RoutingContext ctx) {
        String key = Credentials.presented(ctx.request());
        if (key == null) {
            ctx.response().putHeader("www-authenticate", "Bearer realm=\"gatehouse-admin\"");
            problem(ctx, 401, "unauthorized", "Unauthorized", "the admin API needs an API key with the admin scope (X-API-Key or Authorization: Bearer)");
            return;
        }
        identities.authenticate(key).onComplete(result -> {
            if (result.failed()) {
                // PostgreSQL cannot be asked: the key is unchecked, not wrong
                AuthFilter.identityUnavailable().send(ctx.response(), ctx.request().path(), null);
                return;
            }
            Optional<Identity> identity = result.result();
            if (identity.isEmpty()) {
                ctx.response().putHeader("www-authenticate", "Bearer realm=\"gatehouse-admin\", error=\"invalid_token\"");
                problem(ctx, 401, "unauthorized", "Unauthorized", ApiKeys.looksLikeSession(key)
                        ? "the session is not valid; log in again" : "the API key is not valid");
            } else if (!identity.get().scopes().contains("admin") && !"admin".equals(identity.get().role())) {
                problem(ctx, 403, "insufficient-scope", "Forbidden", "the admin API needs a key with the admin scope or an admin's session");
            } else {
                ctx.next();
            }
        });
    }

}
