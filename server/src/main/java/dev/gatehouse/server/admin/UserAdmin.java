package dev.gatehouse.server.admin;

import dev.gatehouse.server.auth.Identities;
import dev.gatehouse.server.auth.UserStore;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static dev.gatehouse.server.admin.AdminCalls.json;
import static dev.gatehouse.server.admin.AdminCalls.notFound;
import static dev.gatehouse.server.admin.AdminCalls.withBody;

/**
 * Admin endpoints for users: {@code GET}/{@code POST /users}, and {@code GET}, {@code PATCH} (email,
 * password, role, tier) and {@code DELETE /users/{id}}. A new password or role ends the user's sessions,
 * and so does deleting the user; other changes apply to their sessions within a second on every node.
 */
final class UserAdmin {
    private final Identities identities;
    private final AdminGuard guard;
    private final AdminCalls calls;

    UserAdmin(Identities identities, AdminGuard guard, AdminCalls calls) {
        this.identities = identities;
        this.guard = guard;
        this.calls = calls;
    }

    void mount(Router router) {
        router.route("/users*").handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(guard);
        router.get("/users").handler(ctx -> calls.page(ctx, Map.of("role", UserStore.ROLES, "tier", identities.tiers().keySet()), List.of("q"),
                (filter, after, limit) -> identities.users().list(filter.get("role"), filter.get("tier"), filter.get("q"), after, limit),
                filter -> identities.users().count(filter.get("role"), filter.get("tier"), filter.get("q")), UserStore.User::id,
                UserAdmin::describe));
        router.post("/users").handler(this::create);
        router.get("/users/:id").handler(ctx -> withId(ctx, id -> calls.blocking(ctx, () -> identities.users().find(id)).onSuccess(user -> {
            if (user.isPresent()) {
                json(ctx, 200, describe(user.get()).encodePrettily());
            } else {
                notFound(ctx, "no user has id " + id);
            }
        })));
        router.patch("/users/:id").handler(this::update);
        router.delete("/users/:id").handler(ctx -> withId(ctx, id -> calls.blocking(ctx, () -> identities.users().delete(id)).onSuccess(deleted -> {
            if (deleted) {
                identities.forgetSessionsOf(id);
                ctx.response().setStatusCode(204).end();
            } else {
                notFound(ctx, "no user has id " + id);
            }
        })));
    }

    private void create(RoutingContext ctx) {
        withBody(ctx, body -> {
            body.only("email", "password", "role", "tier");
            String email = body.required("email");
            String password = body.required("password");
            String role = body.optional("role", "user");
            String tier = body.optional("tier", "free");
            calls.blocking(ctx, () -> identities.users().create(email, password, role, tier)).onSuccess(user -> {
                ctx.response().putHeader("location", "/users/" + user.id());
                json(ctx, 201, describe(user).encodePrettily());
            });
        });
    }

    private void update(RoutingContext ctx) {
        withId(ctx, id -> withBody(ctx, body -> {
            body.only("email", "password", "role", "tier");
            UserStore.Changes changes = new UserStore.Changes(body.optional("email", null), body.optional("password", null),
                    body.optional("role", null), body.optional("tier", null));
            if (changes.none()) {
                throw new IllegalArgumentException("send at least one of email, password, role, tier");
            }
            if (changes.tier() != null && identities.tier(changes.tier()) == null) {
                throw new IllegalArgumentException("no tier named '" + changes.tier() + "'; tiers: " + String.join(", ", identities.tiers().keySet()));
            }
            calls.blocking(ctx, () -> identities.users().update(id, changes)).onSuccess(user -> {
                if (user.isPresent()) {
                    identities.forgetSessionsOf(id);
                    json(ctx, 200, describe(user.get()).encodePrettily());
                } else {
                    notFound(ctx, "no user has id " + id);
                }
            });
        }));
    }

    /** Runs {@code handler} with the path's user id; an id that cannot be one is a 404 like an unknown one. */
    private static void withId(RoutingContext ctx, java.util.function.LongConsumer handler) {
        OptionalLong id = ctx.pathParam("id").matches("[0-9]{1,18}") ? OptionalLong.of(Long.parseLong(ctx.pathParam("id"))) : OptionalLong.empty();
        if (id.isEmpty()) {
            notFound(ctx, "no user has id '" + ctx.pathParam("id") + "' (user ids are numbers)");
            return;
        }
        handler.accept(id.getAsLong());
    }

    static JsonObject describe(UserStore.User user) {
        return new JsonObject().put("id", user.id()).put("email", user.email()).put("role", user.role()).put("tier", user.tier());
    }
}
