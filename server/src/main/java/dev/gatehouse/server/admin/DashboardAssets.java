package dev.gatehouse.server.admin;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web dashboard's files, served from the jar by the admin listener: {@code GET /} is the page, {@code /dashboard/...}
 * its modules and styles, {@code /dashboard/vendor/uplot/...} the charting library from its webjar. No credential is
 * needed for the files themselves (they hold no data: every figure comes from the admin API, which asks for one). A
 * file is read once, off the event loop, then kept (there are as many as the jar holds); every answer has an
 * {@code ETag} and is revalidated, and the page forbids anything from another origin.
 */
final class DashboardAssets {
    static final String ROOT = "dashboard/";
    private static final String WEBJAR = "META-INF/resources/webjars/uplot/";
    private static final Pattern SAFE = Pattern.compile("(?:[a-zA-Z0-9_-]+/)*[a-zA-Z0-9_-]+(?:\\.[a-zA-Z0-9]+)+");
    /** Nothing from elsewhere: no CDN, no inline script, no framing. */
    static final String POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml", "png", "image/png", "json", "application/json", "txt", "text/plain; charset=utf-8",
            "ico", "image/x-icon");

    private record Asset(Buffer body, String type, String etag) {
    }

    private final Vertx vertx;
    private final ClassLoader loader = DashboardAssets.class.getClassLoader();
    private final Map<String, Asset> loaded = new ConcurrentHashMap<>();
    private final String uplot;

    DashboardAssets(Vertx vertx) {
        this.vertx = vertx;
        this.uplot = WEBJAR + webjarVersion() + "/dist/";
    }

    void mount(Router router) {
        router.get("/").handler(ctx -> serve(ctx, ROOT + "index.html"));
        router.get("/dashboard/vendor/uplot/*").handler(ctx -> {
            String name = ctx.request().path().substring("/dashboard/vendor/uplot/".length());
            serve(ctx, SAFE.matcher(name).matches() ? uplot + name : null);
        });
        router.get("/dashboard/*").handler(ctx -> {
            String name = ctx.request().path().substring("/dashboard/".length());
            serve(ctx, SAFE.matcher(name).matches() ? ROOT + name : null);
        });
    }

    private void serve(RoutingContext ctx, String resource) {
        if (resource == null) {
            AdminCalls.notFound(ctx, "the dashboard has no file " + ctx.request().path());
            return;
        }
        Asset cached = loaded.get(resource);
        if (cached != null) {
            answer(ctx, cached);
            return;
        }
        vertx.executeBlocking(() -> read(resource), false).onComplete(result -> {
            if (result.failed()) {
                AdminCalls.problem(ctx, 500, "internal", "Internal error", "could not read " + resource + " from the jar: " + result.cause().getMessage());
            } else if (result.result().isEmpty()) {
                AdminCalls.notFound(ctx, "the dashboard has no file " + ctx.request().path());
            } else {
                loaded.putIfAbsent(resource, result.result().get());
                answer(ctx, result.result().get());
            }
        });
    }

    private static void answer(RoutingContext ctx, Asset asset) {
        ctx.response().putHeader("etag", asset.etag()).putHeader("cache-control", "no-cache")
                .putHeader("x-content-type-options", "nosniff").putHeader("referrer-policy", "no-referrer");
        if (asset.type().startsWith("text/html")) {
            ctx.response().putHeader("content-security-policy", POLICY).putHeader("x-frame-options", "DENY");
        }
        if (asset.etag().equals(ctx.request().getHeader("if-none-match"))) {
            ctx.response().setStatusCode(304).end();
            return;
        }
        ctx.response().putHeader("content-type", asset.type());
        if (ctx.request().method() == HttpMethod.HEAD) {
            ctx.response().putHeader("content-length", Integer.toString(asset.body().length())).end();
        } else {
            ctx.response().end(asset.body());
        }
    }

    private Optional<Asset> read(String resource) throws IOException {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            String extension = resource.substring(resource.lastIndexOf('.') + 1);
            return Optional.of(new Asset(Buffer.buffer(bytes), TYPES.getOrDefault(extension, "application/octet-stream"), etag(bytes)));
        }
    }

    private static String etag(byte[] bytes) {
        try {
            return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The uPlot webjar's version, from its Maven metadata in the jar. */
    private String webjarVersion() {
        try (InputStream in = loader.getResourceAsStream("META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("the uPlot webjar (org.webjars.npm:uplot) is not on the class path");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
