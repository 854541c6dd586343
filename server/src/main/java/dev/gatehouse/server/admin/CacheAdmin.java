package dev.gatehouse.server.admin;

import dev.gatehouse.server.cache.ResponseCache;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.Objects;
import java.util.stream.Stream;

import static dev.gatehouse.server.admin.AdminCalls.withBody;
import static dev.gatehouse.server.admin.AdminCalls.json;
import static dev.gatehouse.server.admin.AdminCalls.problem;

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
        router.post("/cache/purge").handler(ctx -> withBody(ctx, body -> {
            body.only("tag", "prefix", "path", "route");
            String route = body.optional("route", null);
            String tag = body.optional("tag", null);
            String prefix = body.optional("prefix", null);
            String path = body.optional("path", null);
            long given = Stream.of(tag, prefix, path).filter(Objects::nonNull).count();
            if (given != 1) {
                throw new IllegalArgumentException("send one of {\"tag\": \"...\"}, {\"prefix\": \"/api/v1/items\"} or "
                        + "{\"path\": \"/api/v1/items/1\"} (each optionally with \"route\")");
            }
            Future<Integer> purged;
            if (tag != null) {
                if (tag.isBlank()) {
                    throw new IllegalArgumentException("'tag' must not be blank");
                }
                purged = cache.invalidateTag(tag);
            } else if (prefix != null) {
                purged = cache.invalidatePrefix(route, absolute("prefix", prefix));
            } else {
                purged = cache.invalidatePath(route, absolute("path", path));
            }
            purged.onComplete(result -> json(ctx, 200, new JsonObject().put("purged", result.succeeded() ? result.result() : 0).encode()));
        }));
    }

    /** A path or prefix as the cache keys it: absolute, from the first '/'. */
    private static String absolute(String field, String value) {
        if (!value.startsWith("/")) {
            throw new IllegalArgumentException("'" + field + "' must start with '/', got '" + value + "'");
        }
        return value;
    }
}
