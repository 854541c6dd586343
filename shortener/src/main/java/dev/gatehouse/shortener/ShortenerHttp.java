package dev.gatehouse.shortener;

import dev.gatehouse.cache.VersionedCache;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The shortener's HTTP API on one event loop. A redirect ({@code GET /{code}}) takes a fast path that needs no
 * router: a hit in process memory is answered without leaving the event loop. The rest ({@code /api/v1/links…},
 * health, metrics) goes through a Vert.x router.
 */
final class ShortenerHttp implements Handler<HttpServerRequest> {
    static final int MAX_BODY = 16 * 1024;
    private static final CharSequence LOCATION = HttpHeaders.createOptimized("location");
    private static final CharSequence CACHE_CONTROL = HttpHeaders.createOptimized("cache-control");
    private static final CharSequence CONTENT_LENGTH = HttpHeaders.createOptimized("content-length");
    private static final CharSequence NO_STORE = HttpHeaders.createOptimized("no-store");
    private static final CharSequence A_DAY = HttpHeaders.createOptimized("max-age=86400");
    private static final CharSequence ZERO = HttpHeaders.createOptimized("0");
    private static final String LINKS = "/api/v1/links";

    private final Shortener shortener;
    private final Router router;
    private final Supplier<String> metrics;
    private final BooleanSupplier ready;

    ShortenerHttp(Vertx vertx, Shortener shortener, Supplier<String> metrics, BooleanSupplier ready) {
        this.shortener = shortener;
        this.metrics = metrics;
        this.ready = ready;
        this.router = router(vertx);
    }

    /** Serves the API on {@code instances} event loops sharing one port (0: a free one); completes with the port. */
    static Future<Integer> listen(Vertx vertx, Shortener shortener, Supplier<String> metrics, BooleanSupplier ready, String host, int port,
                                  int instances) {
        AtomicInteger bound = new AtomicInteger();
        Supplier<VerticleBase> verticle = () -> new VerticleBase() {
            @Override
            public Future<?> start() {
                HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port == 0 ? -1 : port).setTcpNoDelay(true)
                        .setCompressionSupported(false).setIdleTimeout(60);
                return vertx.createHttpServer(options).requestHandler(new ShortenerHttp(vertx, shortener, metrics, ready)).listen()
                        .onSuccess(server -> bound.set(server.actualPort()));
            }
        };
        return vertx.deployVerticle(verticle, new DeploymentOptions().setInstances(instances)).map(id -> bound.get());
    }

    @Override
    public void handle(HttpServerRequest request) {
        String path = request.path();
        HttpMethod method = request.method();
        if ((method == HttpMethod.GET || method == HttpMethod.HEAD) && path.length() > 1 && path.indexOf('/', 1) < 0 && !path.equals("/metrics")) {
            redirect(request, path.substring(1));
            return;
        }
        router.handle(request);
    }

    private void redirect(HttpServerRequest request, String code) {
        if (!LinkRules.plausibleCode(code)) {
            Problem.notFound(code).send(request.response());
            return;
        }
        VersionedCache.Hit<Link> local = shortener.resolveLocal(code);
        if (local != null) {
            answer(request, code, local.value());
            return;
        }
        shortener.resolve(code).onComplete(result -> {
            if (result.failed()) {
                new Problem(503, "storage", "Links unavailable", "the link store did not answer: " + result.cause().getMessage(), 1)
                        .send(request.response());
            } else {
                answer(request, code, result.result().value());
            }
        });
    }

    private void answer(HttpServerRequest request, String code, Link link) {
        HttpServerResponse response = request.response();
        if (link == null) {
            Problem.notFound(code).send(response);
            return;
        }
        if (link.expiredAt(shortener.nowMillis())) {
            new Problem(410, "expired", "Link expired", "the short link '" + code + "' has expired").send(response);
            return;
        }
        if (request.method() == HttpMethod.GET) {
            shortener.click(link, request.getHeader(HttpHeaders.REFERER), request.getHeader(HttpHeaders.USER_AGENT));
        }
        // a temporary redirect is not stored by browsers or proxies, so every click comes back here to be counted
        response.setStatusCode(link.permanent() ? 301 : 302).putHeader(LOCATION, link.url())
                .putHeader(CACHE_CONTROL, link.permanent() ? A_DAY : NO_STORE).putHeader(CONTENT_LENGTH, ZERO).end();
    }

    private Router router(Vertx vertx) {
        Router r = Router.router(vertx);
        r.route(LINKS + "*").handler(BodyHandler.create().setBodyLimit(MAX_BODY));
        r.post(LINKS).handler(ctx -> body(ctx, body -> send(ctx, shortener.create(Caller.from(ctx.request().headers()), body), link -> {
            ctx.response().putHeader(LOCATION, LINKS + "/" + link.code());
            json(ctx, 201, link.toJson(shortener.settings().publicUrl()));
        })));
        r.get(LINKS).handler(ctx -> {
            Long before = longParam(ctx, "before", 0, 0, Long.MAX_VALUE);
            Long limit = longParam(ctx, "limit", 50, 1, 500);
            if (before != null && limit != null) {
                send(ctx, shortener.list(Caller.from(ctx.request().headers()), before, limit.intValue()), links -> {
                    JsonArray items = new JsonArray();
                    links.forEach(l -> items.add(l.toJson(shortener.settings().publicUrl())));
                    JsonObject page = new JsonObject().put("links", items);
                    if (links.size() == limit) {
                        page.put("next", LINKS + "?before=" + links.get(links.size() - 1).id() + "&limit=" + limit);
                    }
                    json(ctx, 200, page);
                });
            }
        });
        r.delete(LINKS).handler(ctx -> {
            String owner = ctx.request().getParam("owner");
            if (owner == null || owner.isBlank()) {
                Problem.invalid("invalid-query", "DELETE " + LINKS + " needs ?owner=<subject>: every link of that caller is deleted").send(ctx.response());
                return;
            }
            send(ctx, shortener.deleteByOwner(Caller.from(ctx.request().headers()), owner), n -> json(ctx, 200, new JsonObject().put("deleted", n)));
        });
        r.get(LINKS + "/:code").handler(ctx -> send(ctx, shortener.find(Caller.from(ctx.request().headers()), ctx.pathParam("code")),
                link -> json(ctx, 200, link.toJson(shortener.settings().publicUrl()))));
        r.patch(LINKS + "/:code").handler(ctx -> body(ctx, body -> send(ctx,
                shortener.change(Caller.from(ctx.request().headers()), ctx.pathParam("code"), body),
                link -> json(ctx, 200, link.toJson(shortener.settings().publicUrl())))));
        r.delete(LINKS + "/:code").handler(ctx -> send(ctx, shortener.delete(Caller.from(ctx.request().headers()), ctx.pathParam("code")),
                link -> ctx.response().setStatusCode(204).end()));
        r.get(LINKS + "/:code/stats").handler(ctx -> send(ctx, shortener.stats(Caller.from(ctx.request().headers()), ctx.pathParam("code"),
                ctx.request().getParam("from"), ctx.request().getParam("to")), stats -> json(ctx, 200, stats)));
        r.get("/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
        r.get("/health/ready").handler(ctx -> {
            boolean up = ready.getAsBoolean();
            json(ctx, up ? 200 : 503, new JsonObject().put("status", up ? "UP" : "DOWN").put("node", shortener.node()));
        });
        r.get("/metrics").handler(ctx -> ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.get()));
        r.route().last().handler(ctx -> new Problem(404, "no-such-endpoint", "Not found",
                "no such endpoint: " + ctx.request().method() + " " + ctx.request().path()).send(ctx.response()));
        r.errorHandler(413, ctx -> new Problem(413, "body-too-large", "Body too large", "a request body is at most " + MAX_BODY + " bytes")
                .send(ctx.response()));
        r.errorHandler(500, ctx -> new Problem(500, "internal", "Internal error", String.valueOf(ctx.failure())).send(ctx.response()));
        return r;
    }

    private static void body(RoutingContext ctx, Handler<JsonObject> then) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            Problem.invalid("invalid-body", "the body must be a JSON object such as {\"url\": \"https://example.com/page\"}").send(ctx.response());
            return;
        }
        if (body == null) {
            Problem.invalid("invalid-body", "a JSON object body is required").send(ctx.response());
            return;
        }
        then.handle(body);
    }

    private static <T> void send(RoutingContext ctx, Future<Outcome<T>> outcome, Handler<T> ok) {
        outcome.onComplete(result -> {
            if (result.failed()) {
                new Problem(503, "storage", "Links unavailable", "the link store failed: " + result.cause().getMessage(), 1).send(ctx.response());
            } else if (!result.result().ok()) {
                result.result().problem().send(ctx.response());
            } else {
                ok.handle(result.result().value());
            }
        });
    }

    private static Long longParam(RoutingContext ctx, String name, long fallback, long min, long max) {
        String raw = ctx.request().getParam(name);
        if (raw == null) {
            return fallback;
        }
        try {
            long value = Long.parseLong(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        Problem.invalid("invalid-query", name + " must be a whole number between " + min + " and " + max + ", got '" + raw + "'")
                .send(ctx.response());
        return null;
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }
}
