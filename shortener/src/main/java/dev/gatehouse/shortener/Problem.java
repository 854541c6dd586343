package dev.gatehouse.shortener;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * An error the shortener answers, as RFC 9457 {@code application/problem+json} with a stable {@code type}
 * ({@code urn:gatehouse:shortener:<slug>}) a client can switch on and a {@code detail} saying what was wrong.
 */
public record Problem(int status, String slug, String title, String detail, long retryAfterSeconds) {

    public Problem(int status, String slug, String title, String detail) {
        this(status, slug, title, detail, 0);
    }

    public static Problem invalid(String slug, String detail) {
        return new Problem(400, slug, "Invalid request", detail);
    }

    public static Problem notFound(String code) {
        return new Problem(404, "not-found", "No such link", "no short link '" + code + "'");
    }

    public String type() {
        return "urn:gatehouse:shortener:" + slug;
    }

    public void send(HttpServerResponse response) {
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(status).putHeader("content-type", "application/problem+json");
        if (retryAfterSeconds > 0) {
            response.putHeader("retry-after", Long.toString(retryAfterSeconds));
        }
        response.end(new JsonObject().put("type", type()).put("title", title).put("status", status).put("detail", detail).encode());
    }
}
