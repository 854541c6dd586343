package dev.gatehouse.sample;

import dev.gatehouse.cache.TwoLevelCache;
import dev.gatehouse.sample.ResourceStore.Resource;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The sample upstream service the demo and end-to-end tests run behind the gateway: its instance
 * status, a resources API in PostgreSQL read through a two-level cache ({@code X-Data-Cache} says which
 * level answered; {@code GET /api/v1/cache} shows its statistics), a deliberately flaky "external" call,
 * a mock third party with hard quotas for async jobs to call ({@link ThirdPartyMock}, under {@code /third-party}),
 * and health endpoints.
 */
public final class SampleService {

    private final Vertx vertx;
    private final String instanceId;
    private final ResourceStore store;
    private final FlakyDependency external;
    private final ResourceCache cache;
    private final ThirdPartyMock thirdParty;
    private final Instant started = Instant.now();
    private HttpServer server;

    public SampleService(Vertx vertx, String instanceId, ResourceStore store, FlakyDependency external, ResourceCache cache) {
        this(vertx, instanceId, store, external, cache, null);
    }

    /** @param thirdParty the mock third party with hard quotas to serve under {@code /third-party}, or null for none */
    public SampleService(Vertx vertx, String instanceId, ResourceStore store, FlakyDependency external, ResourceCache cache,
                         ThirdPartyMock thirdParty) {
        this.thirdParty = thirdParty;
        this.vertx = vertx;
        this.instanceId = instanceId;
        this.store = store;
        this.external = external;
        this.cache = cache;
    }

    public Future<HttpServer> listen(String host, int port) {
        return vertx.createHttpServer().requestHandler(router()).listen(port, host).onSuccess(s -> server = s);
    }

    public int port() {
        return server.actualPort();
    }

    public Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    Router router() {
        Router router = Router.router(vertx);
        router.route().handler(BodyHandler.create().setBodyLimit(1024 * 1024));
        router.get("/api/v1/status").handler(ctx -> json(ctx, 200, new JsonObject()
                .put("status", "ok")
                .put("instanceId", instanceId)
                .put("uptimeSeconds", Instant.now().getEpochSecond() - started.getEpochSecond())
                .put("timestamp", Instant.now().toString())));
        router.get("/api/v1/resources").handler(this::list);
        router.post("/api/v1/resources").handler(this::create);
        router.get("/api/v1/resources/:id").handler(this::get);
        router.put("/api/v1/resources/:id").handler(this::update);
        router.delete("/api/v1/resources/:id").handler(this::delete);
        router.get("/api/v1/external").handler(this::external);
        if (thirdParty != null) {
            thirdParty.mount(router);
        }
        router.get("/api/v1/cache").handler(ctx -> json(ctx, 200, new JsonObject(cache.stats()).put("instanceId", instanceId)));
        router.get("/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP").put("instanceId", instanceId)));
        router.get("/health/ready").handler(ctx -> blocking(ctx, store::ping).onSuccess(up ->
                json(ctx, up ? 200 : 503, new JsonObject().put("status", up ? "UP" : "DOWN").put("instanceId", instanceId))));
        router.route().last().handler(ctx -> problem(ctx, 404, "Not found", "no such endpoint: " + ctx.request().method() + " " + ctx.request().path()));
        return router;
    }

    private void list(RoutingContext ctx) {
        Integer limit = intParam(ctx, "limit", 50, 1, 500);
        Integer offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        if (limit == null || offset == null) {
            return;
        }
        blocking(ctx, () -> store.list(limit, offset)).onSuccess(resources -> {
            JsonArray items = new JsonArray();
            resources.forEach(r -> items.add(toJson(r)));
            json(ctx, 200, new JsonObject().put("resources", items).put("count", items.size())
                    .put("limit", limit).put("offset", offset).put("servedBy", instanceId));
        });
    }

    private void get(RoutingContext ctx) {
        Long id = id(ctx);
        if (id == null) {
            return;
        }
        // the load may be shared by concurrent requests for this id, so it must not answer any one of them
        cache.find(id, () -> vertx.executeBlocking(() -> store.find(id).orElse(null), false)).onComplete(result -> {
            if (result.failed()) {
                problem(ctx, 500, "Storage error", "the resource store failed: " + result.cause().getMessage());
                return;
            }
            TwoLevelCache.Hit<Resource> found = result.result();
            if (found == null) {
                problem(ctx, 404, "Not found", "no resource with id " + id);
                return;
            }
            ctx.response().putHeader("x-data-cache", found.level() == TwoLevelCache.Level.SOURCE ? "MISS" : "HIT-" + found.level());
            json(ctx, 200, toJson(found.value()));
        });
    }

    private void create(RoutingContext ctx) {
        JsonObject body = body(ctx);
        if (body == null) {
            return;
        }
        blocking(ctx, () -> store.create(body.getString("name"), body.getString("type")))
                .onSuccess(created -> {
                    ctx.response().putHeader("location", "/api/v1/resources/" + created.id());
                    json(ctx, 201, toJson(created));
                });
    }

    private void update(RoutingContext ctx) {
        Long id = id(ctx);
        JsonObject body = id == null ? null : body(ctx);
        if (body == null) {
            return;
        }
        blocking(ctx, () -> store.update(id, body.getString("name"), body.getString("type")))
                .compose(updated -> cache.invalidate(id).map(updated))
                .onSuccess(updated -> respond(ctx, id, updated, 200));
    }

    private void delete(RoutingContext ctx) {
        Long id = id(ctx);
        if (id == null) {
            return;
        }
        blocking(ctx, () -> store.delete(id)).compose(deleted -> cache.invalidate(id).map(deleted)).onSuccess(deleted -> {
            if (deleted) {
                ctx.response().setStatusCode(204).end();
            } else {
                problem(ctx, 404, "Not found", "no resource with id " + id);
            }
        });
    }

    private void external(RoutingContext ctx) {
        switch (external.next()) {
            case FAIL -> json(ctx, 503, new JsonObject().put("error", "external service unavailable").put("instanceId", instanceId));
            case STALL -> vertx.setTimer(external.stall().toMillis(), t -> externalSuccess(ctx));
            default -> externalSuccess(ctx);
        }
    }

    private void externalSuccess(RoutingContext ctx) {
        if (!ctx.response().closed()) {
            json(ctx, 200, new JsonObject().put("data", new JsonObject().put("value", "external result")
                    .put("fetchedAt", Instant.now().toString())).put("instanceId", instanceId));
        }
    }

    private void respond(RoutingContext ctx, long id, Optional<Resource> resource, int status) {
        if (resource.isPresent()) {
            json(ctx, status, toJson(resource.get()));
        } else {
            problem(ctx, 404, "Not found", "no resource with id " + id);
        }
    }

    private JsonObject body(RoutingContext ctx) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            problem(ctx, 400, "Invalid body", "the body must be a JSON object such as {\"name\": \"Report\", \"type\": \"document\"}");
            return null;
        }
        if (body == null) {
            problem(ctx, 400, "Invalid body", "a JSON body with name and type is required");
            return null;
        }
        String error = null;
        Object name = body.getValue("name");
        Object type = body.getValue("type");
        if (!(name instanceof String n) || n.isBlank() || n.length() > 200) {
            error = "name must be a non-empty string of at most 200 characters";
        } else if (!(type instanceof String t) || t.isBlank() || t.length() > 50) {
            error = "type must be a non-empty string of at most 50 characters";
        }
        if (error != null) {
            problem(ctx, 400, "Invalid body", error);
            return null;
        }
        return body;
    }

    private Long id(RoutingContext ctx) {
        try {
            long id = Long.parseLong(ctx.pathParam("id"));
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        problem(ctx, 400, "Invalid id", "resource ids are positive whole numbers, got '" + ctx.pathParam("id") + "'");
        return null;
    }

    private Integer intParam(RoutingContext ctx, String name, int fallback, int min, int max) {
        String raw = ctx.request().getParam(name);
        if (raw == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        problem(ctx, 400, "Invalid parameter", name + " must be a whole number between " + min + " and " + max + ", got '" + raw + "'");
        return null;
    }

    private <T> Future<T> blocking(RoutingContext ctx, Callable<T> work) {
        return vertx.executeBlocking(work, false).onFailure(e ->
                problem(ctx, 500, "Storage error", "the resource store failed: " + e.getMessage()));
    }

    static JsonObject toJson(Resource r) {
        return new JsonObject().put("id", r.id()).put("name", r.name()).put("type", r.type())
                .put("createdAt", r.createdAt()).put("updatedAt", r.updatedAt());
    }

    private void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
                .putHeader("x-instance-id", instanceId).end(body.encode());
    }

    private void problem(RoutingContext ctx, int status, String title, String detail) {
        ctx.response().setStatusCode(status).putHeader("content-type", "application/problem+json")
                .putHeader("x-instance-id", instanceId)
                .end(new JsonObject().put("title", title).put("status", status).put("detail", detail).encode());
    }
}
