package dev.gatehouse.server.admin;

import dev.gatehouse.server.cache.ResponseCache;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

import static dev.gatehouse.server.admin.IdentityAdmin.body;
import static dev.gatehouse.server.admin.IdentityAdmin.json;
import static dev.gatehouse.server.admin.IdentityAdmin.problem;

/**
 * Admin endpoints for the response cache: {@code GET /cache} (statistics), {@code POST /cache/clear},
 * {@code POST /cache/purge} with one of {@code {"path": ...}}, {@code {"prefix": ...}} or {@code {"tag": ...}}
 * (optionally {@code "route"}). They act on every level and, through Redis, on every node.
 */
final class CacheAdmin {
    private final ResponseCache cache;
    private final AdminGuard guard;

    CacheAdmin(ResponseCache cache, AdminGuard guard) {
        this.cache = cache;
        this.guard = guard;
    }

    void mount(Router router) {
        router.route("/cache*").handler(BodyHandler.create().setBodyLimit(16 * 1024)).handler(guard);
        router.get("/cache").handler(ctx -> json(ctx, 200, new JsonObject(cache.stats()).encodePrettily()));
        router.post("/cache/clear").handler(ctx -> cache.clear().onComplete(done ->
                json(ctx, 200, new JsonObject().put("cleared", true).encode())));
        router.post("/cache/purge").handler(ctx -> {
            JsonObject request = body(ctx);
            if (request == null) {
                return;
            }
            Object route = request.getValue("route");
            if (route != null && !(route instanceof String)) {
                problem(ctx, 400, "invalid-body", "Invalid body", "\"route\" must be a route name (a string)");
                return;
            }
            Future<Integer> purged;
            if (request.getValue("tag") instanceof String tag && !tag.isBlank()) {
                purged = cache.invalidateTag(tag);
            } else if (request.getValue("prefix") instanceof String prefix && prefix.startsWith("/")) {
                purged = cache.invalidatePrefix((String) route, prefix);
            } else if (request.getValue("path") instanceof String path && path.startsWith("/")) {
                purged = cache.invalidatePath((String) route, path);
            } else {
                problem(ctx, 400, "invalid-body", "Invalid body",
                        "send {\"tag\": \"...\"}, {\"prefix\": \"/api/v1/items\"} or {\"path\": \"/api/v1/items/1\"} (each optionally with \"route\")");
                return;
            }
            purged.onComplete(result -> json(ctx, 200, new JsonObject().put("purged", result.succeeded() ? result.result() : 0).encode()));
        });
    }
}
