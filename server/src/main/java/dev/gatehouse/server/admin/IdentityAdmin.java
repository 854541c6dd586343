package dev.gatehouse.server.admin;

import dev.gatehouse.core.config.Spelling;
import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.server.auth.ApiKeyRecord;
import dev.gatehouse.server.auth.Identities;
import dev.gatehouse.server.auth.KeyStore;
import dev.gatehouse.server.auth.UserStore;
import dev.gatehouse.server.pipeline.JsonBody;
import dev.gatehouse.server.pipeline.Problem;
import dev.gatehouse.server.pipeline.RoutingSnapshot;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Admin endpoints for API keys, tiers and users. Every call needs an API key with the {@code admin} scope
 * (create the first with {@code gatehouse keys create --scope admin}) or the session of an admin user.
 */
final class IdentityAdmin {
    private final Vertx vertx;
    private final Identities identities;
    private final AdminGuard guard;
    private final Supplier<RoutingSnapshot> snapshot;

    IdentityAdmin(Vertx vertx, Identities identities, AdminGuard guard, Supplier<RoutingSnapshot> snapshot) {
        this.vertx = vertx;
        this.identities = identities;
        this.guard = guard;
        this.snapshot = snapshot;
    }

    void mount(Router router) {
        router.route("/keys*").handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(guard);
        router.route("/tiers*").handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(guard);
        router.route("/users*").handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(guard);
        router.get("/users").handler(ctx -> page(ctx, Map.of("role", UserStore.ROLES, "tier", identities.tiers().keySet()),
                (filter, after, limit) -> identities.users().list(filter.get("role"), filter.get("tier"), after, limit), UserStore.User::id,
                u -> new JsonObject().put("id", u.id()).put("email", u.email()).put("role", u.role()).put("tier", u.tier())));
        router.post("/users").handler(this::createUser);
        router.post("/keys").handler(this::createKey);
        router.get("/keys").handler(ctx -> page(ctx, Map.of("state", ApiKeyRecord.STATES, "tier", identities.tiers().keySet()),
                (filter, after, limit) -> identities.keys().list(new KeyStore.Filter(filter.get("state"), filter.get("tier")), after, limit),
                ApiKeyRecord::id, this::describe));
        router.delete("/keys/:id").handler(ctx -> blocking(ctx, () -> identities.keys().revoke(ctx.pathParam("id"))).onSuccess(revoked -> {
            if (revoked) {
                ctx.response().setStatusCode(204).end();
            } else {
                problem(ctx, 404, "not-found", "Not found", "no active key has id or prefix '" + ctx.pathParam("id") + "'");
            }
        }));
        router.get("/tiers").handler(ctx -> {
            JsonObject tiers = new JsonObject();
            identities.tiers().forEach((name, limits) -> tiers.put(name, new JsonArray(limits.stream().map(RateLimit::text).toList())));
            json(ctx, 200, tiers.encodePrettily());
        });
        router.put("/tiers/:name").handler(this::putTier);
    }

    /** One page of rows that match {@code filter} (by name), read after the id {@code after}, at most {@code limit}. */
    private interface Pages<T> {
        List<T> read(Map<String, String> filter, long after, int limit) throws Exception;
    }

    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1000;

    /**
     * A list endpoint, a page at a time: {@code ?limit=} (default {@value #DEFAULT_PAGE}, at most
     * {@value #MAX_PAGE}) rows with ids above {@code ?after=}, as a JSON array, of those the {@code filters}
     * parameters match (each one of the values it is mapped to); a full page carries a
     * {@code Link: <...>; rel="next"} header to the next one, with the same filters. A parameter it does
     * not know, or one given twice, is refused by name.
     */
    private <T> void page(RoutingContext ctx, Map<String, ? extends Collection<String>> filters, Pages<T> pages, ToLongFunction<T> id, Function<T, JsonObject> describe) {
        long after;
        int limit;
        Map<String, String> filter = new LinkedHashMap<>();
        TreeSet<String> filterNames = new TreeSet<>(filters.keySet());
        try {
            List<String> known = new ArrayList<>(List.of("limit", "after"));
            known.addAll(filterNames);
            for (String name : ctx.queryParams().names()) {
                if (!known.contains(name)) {
                    String close = Spelling.closest(name, known);
                    throw new IllegalArgumentException("unknown query parameter '" + name + "'" + (close == null ? "" : " (did you mean '" + close + "'?)")
                            + "; this list takes " + String.join(", ", known));
                }
                if (ctx.queryParams().getAll(name).size() > 1) {
                    throw new IllegalArgumentException("'" + name + "' is given more than once");
                }
            }
            after = number(ctx, "after", 0, 0, Long.MAX_VALUE);
            limit = (int) number(ctx, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
            for (String name : filterNames) {
                String value = ctx.request().getParam(name);
                if (value != null) {
                    if (!filters.get(name).contains(value)) {
                        throw new IllegalArgumentException("'" + name + "' is one of " + String.join(", ", new TreeSet<>(filters.get(name))) + ", got '" + value + "'");
                    }
                    filter.put(name, value);
                }
            }
        } catch (IllegalArgumentException e) {
            problem(ctx, 400, "invalid-query", "Invalid query", e.getMessage());
            return;
        }
        blocking(ctx, () -> pages.read(filter, after, limit)).onSuccess(rows -> {
            JsonArray list = new JsonArray();
            rows.forEach(row -> list.add(describe.apply(row)));
            if (rows.size() == limit) {
                StringBuilder next = new StringBuilder(ctx.request().path()).append("?after=").append(id.applyAsLong(rows.get(rows.size() - 1)))
                        .append("&limit=").append(limit);
                filter.forEach((name, value) -> next.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
                ctx.response().putHeader("link", "<" + next + ">; rel=\"next\"");
            }
            json(ctx, 200, list.encodePrettily());
        });
    }

    /** A whole-number query parameter from {@code min} to {@code max}, or {@code fallback} when absent. */
    private static long number(RoutingContext ctx, String name, long fallback, long min, long max) {
        String text = ctx.request().getParam(name);
        if (text == null) {
            return fallback;
        }
        if (!text.matches("[0-9]{1,18}") || Long.parseLong(text) < min || Long.parseLong(text) > max) {
            throw new IllegalArgumentException("'" + name + "' must be a whole number from " + min + " to " + max + ", got '" + text + "'");
        }
        return Long.parseLong(text);
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
            Instant expires = expiresAt == null ? null : ApiKeys.expiry("'expiresAt'", expiresAt, Instant.now());
            blocking(ctx, () -> identities.keys().create(name, tier, scopes, override, expires)).onSuccess(created -> {
                JsonObject out = describe(created.record()).put("key", created.key());
                if (override != null) {
                    withWarnings(out, override, "this key");
                }
                ctx.response().putHeader("location", "/keys/" + created.record().id());
                json(ctx, 201, out.encodePrettily());
            });
        });
    }

    private void createUser(RoutingContext ctx) {
        withBody(ctx, body -> {
            body.only("email", "password", "role", "tier");
            String email = body.required("email");
            String password = body.required("password");
            String role = body.optional("role", "user");
            String tier = body.optional("tier", "free");
            blocking(ctx, () -> identities.users().create(email, password, role, tier)).onSuccess(user ->
                    json(ctx, 201, new JsonObject().put("id", user.id()).put("email", user.email()).put("role", user.role())
                            .put("tier", user.tier()).encodePrettily()));
        });
    }

    private void putTier(RoutingContext ctx) {
        withBody(ctx, body -> {
            List<RateLimit> limits = RateLimit.parseAll(body.only("limits").strings("limits"));
            String name = ctx.pathParam("name");
            blocking(ctx, () -> {
                identities.tierStore().put(name, limits);
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
                .put("active", k.usableAt(Instant.now()))
                .put("state", k.state(Instant.now()))
                .put("expiresAt", k.expiresAt() == null ? null : k.expiresAt().toString())
                .put("createdAt", k.createdAt().toString())
                .put("revokedAt", k.revokedAt() == null ? null : k.revokedAt().toString())
                .put("lastUsedAt", k.lastUsedAt() == null ? null : k.lastUsedAt().toString());
    }

    /**
     * Runs {@code handler} on the request's JSON body. A body the handler finds wrong (an
     * {@link IllegalArgumentException} before it answers) is answered 400 with its message.
     */
    static void withBody(RoutingContext ctx, Consumer<JsonBody> handler) {
        try {
            handler.accept(JsonBody.parse(ctx.body().buffer()));
        } catch (IllegalArgumentException e) {
            problem(ctx, 400, "invalid-body", "Invalid body", e.getMessage());
        }
    }

    private <T> Future<T> blocking(RoutingContext ctx, Callable<T> work) {
        return vertx.executeBlocking(work, false).onFailure(e -> {
            if (e instanceof UserStore.EmailTaken) {
                problem(ctx, 409, "conflict", "Conflict", e.getMessage());
            } else if (e instanceof IllegalArgumentException) {
                problem(ctx, 400, "invalid-body", "Invalid body", e.getMessage());
            } else {
                problem(ctx, 500, "storage", "Storage error", "PostgreSQL failed: " + e.getMessage());
            }
        });
    }

    static void json(RoutingContext ctx, int status, String body) {
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
    }

    static void problem(RoutingContext ctx, int status, String slug, String title, String detail) {
        Problem.of(status, slug, title, detail).send(ctx.response(), ctx.request().path(), null);
    }

}
