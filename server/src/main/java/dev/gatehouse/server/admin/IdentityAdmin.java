package dev.gatehouse.server.admin;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.server.auth.ApiKeyRecord;
import dev.gatehouse.server.auth.Identities;
import dev.gatehouse.server.auth.KeyStore;
import dev.gatehouse.server.routing.RoutingSnapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static dev.gatehouse.server.admin.AdminCalls.json;
import static dev.gatehouse.server.admin.AdminCalls.notFound;
import static dev.gatehouse.server.admin.AdminCalls.withBody;

/**
 * Admin endpoints for API keys ({@code /keys}, {@code /keys/{id or prefix}}) and tiers ({@code /tiers},
 * {@code /tiers/{name}}). Every call needs an API key with the {@code admin} scope (create the first with
 * {@code gatehouse keys create --scope admin}) or the session of an admin user.
 */
final class IdentityAdmin {
    private final Identities identities;
    private final AdminGuard guard;
    private final AdminCalls calls;
    private final Supplier<RoutingSnapshot> snapshot;
    private final Clock clock;

    IdentityAdmin(Identities identities, AdminGuard guard, AdminCalls calls, Supplier<RoutingSnapshot> snapshot, Clock clock) {
        this.clock = clock;
        this.identities = identities;
        this.guard = guard;
        this.calls = calls;
        this.snapshot = snapshot;
    }

    void mount(Router router) {
        router.route("/keys*").handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(guard);
        router.route("/tiers*").handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(guard);
        router.post("/keys").handler(this::createKey);
        router.get("/keys").handler(ctx -> calls.page(ctx, Map.of("state", ApiKeyRecord.STATES, "tier", identities.tiers().keySet(),
                        "order", ORDERS), List.of("q"),
                (filter, after, limit) -> identities.keys().list(keyFilter(filter), after, limit),
                filter -> identities.keys().count(keyFilter(filter)), ApiKeyRecord::id, this::describe));
        router.get("/keys/:id").handler(ctx -> calls.blocking(ctx, () -> identities.keys().find(ctx.pathParam("id"))).onSuccess(key -> {
            if (key.isPresent()) {
                json(ctx, 200, describe(key.get()).encodePrettily());
            } else {
                notFound(ctx, "no key has id or prefix '" + ctx.pathParam("id") + "'");
            }
        }));
        router.delete("/keys/:id").handler(ctx -> calls.blocking(ctx, () -> identities.keys().revoke(ctx.pathParam("id"))).onSuccess(revoked -> {
            if (revoked) {
                ctx.response().setStatusCode(204).end();
            } else {
                notFound(ctx, "no active key has id or prefix '" + ctx.pathParam("id") + "'");
            }
        }));
        router.get("/tiers").handler(ctx -> {
            JsonObject tiers = new JsonObject();
            identities.tiers().forEach((name, limits) -> tiers.put(name, rates(limits)));
            json(ctx, 200, tiers.encodePrettily());
        });
        router.get("/tiers/:name").handler(ctx -> {
            List<RateLimit> limits = identities.tier(ctx.pathParam("name"));
            if (limits == null) {
                notFound(ctx, "no tier named '" + ctx.pathParam("name") + "'; tiers: " + String.join(", ", identities.tiers().keySet()));
            } else {
                json(ctx, 200, new JsonObject().put(ctx.pathParam("name"), rates(limits)).encodePrettily());
            }
        });
        router.put("/tiers/:name").handler(this::putTier);
        router.delete("/tiers/:name").handler(ctx -> calls.blocking(ctx, () -> identities.deleteTier(ctx.pathParam("name"))).onSuccess(deleted -> {
            if (deleted) {
                ctx.response().setStatusCode(204).end();
            } else {
                notFound(ctx, "no tier named '" + ctx.pathParam("name") + "'");
            }
        }));
    }

    /** {@code ?order=}: by id, oldest first (the default) or newest first. */
    static final List<String> ORDERS = List.of("oldest", "newest");

    private static KeyStore.Filter keyFilter(Map<String, String> filter) {
        return new KeyStore.Filter(filter.get("state"), filter.get("tier"), filter.get("q"), "newest".equals(filter.get("order")));
    }

    private static JsonArray rates(List<RateLimit> limits) {
        return new JsonArray(limits.stream().map(RateLimit::text).toList());
    }

    private void createKey(RoutingContext ctx) {
        withBody(ctx, body -> {
            body.only("name", "tier", "scopes", "rateLimit", "expiresAt");
            String name = body.optional("name", "").trim();
            if (name.isEmpty() || name.length() > 200) {
                throw new IllegalArgumentException("'name' is required: a string of at most 200 characters naming who the key is for");
            }
            String tier = body.optional("tier", "free");
            if (identities.tier(tier) == null) {
                throw new IllegalArgumentException("no tier named '" + tier + "'; tiers: " + String.join(", ", identities.tiers().keySet()));
            }
            List<String> scopes = body.strings("scopes");
            List<String> rates = body.strings("rateLimit");
            List<RateLimit> override = rates.isEmpty() ? null : RateLimit.parseAll(rates);
            String expiresAt = body.optional("expiresAt", null);
            Instant expires = expiresAt == null ? null : ApiKeys.expiry("'expiresAt'", expiresAt, clock.instant());
            calls.blocking(ctx, () -> identities.keys().create(name, tier, scopes, override, expires)).onSuccess(created -> {
                JsonObject out = describe(created.record()).put("key", created.key());
                if (override != null) {
                    withWarnings(out, override, "this key");
                }
                ctx.response().putHeader("location", "/keys/" + created.record().id());
                json(ctx, 201, out.encodePrettily());
            });
        });
    }

    private void putTier(RoutingContext ctx) {
        withBody(ctx, body -> {
            List<RateLimit> limits = RateLimit.parseAll(body.only("limits").strings("limits"));
            String name = ctx.pathParam("name");
            calls.blocking(ctx, () -> {
                identities.putTier(name, limits);
                return null;
            }).onSuccess(v -> {
                JsonObject out = new JsonObject().put(name, new JsonArray(limits.stream().map(RateLimit::text).toList()));
                json(ctx, 200, withWarnings(out, limits, "callers of tier '" + name + "'").encodePrettily());
            });
        });
    }

    /**
     * Adds {@code warnings} to {@code out} when {@code limits} are below the cost of a route that applies
     * tier limits: {@code who} could never pass it. The change stands (a route's cost may be raised
     * deliberately ahead of a tier change), but the caller learns it now, not from a user's 429.
     */
    private JsonObject withWarnings(JsonObject out, List<RateLimit> limits, String who) {
        List<String> warnings = snapshot.get().config().unpassableRoutes(limits, who);
        return warnings.isEmpty() ? out : out.put("warnings", new JsonArray(warnings));
    }

    private JsonObject describe(ApiKeyRecord k) {
        return new JsonObject()
                .put("id", k.id())
                .put("prefix", k.prefix())
                .put("name", k.name())
                .put("tier", k.tier())
                .put("scopes", new JsonArray(k.scopes()))
                .put("rateLimit", k.override() == null ? null : new JsonArray(k.override().stream().map(RateLimit::text).toList()))
                .put("active", k.usableAt(clock.instant()))
                .put("state", k.state(clock.instant()))
                .put("expiresAt", k.expiresAt() == null ? null : k.expiresAt().toString())
                .put("createdAt", k.createdAt().toString())
                .put("revokedAt", k.revokedAt() == null ? null : k.revokedAt().toString())
                .put("lastUsedAt", k.lastUsedAt() == null ? null : k.lastUsedAt().toString());
    }
}
