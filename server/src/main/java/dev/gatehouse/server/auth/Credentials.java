package dev.gatehouse.server.auth;

import dev.gatehouse.server.pipeline.HeaderNames;
import io.vertx.core.http.HttpServerRequest;

/** Where callers put credentials: {@code X-API-Key}, or {@code Authorization: Bearer <token>}. */
public final class Credentials {

    private Credentials() {
    }

    /** The credential presented, or null: X-API-Key first, then a Bearer token. */
    public static String presented(HttpServerRequest request) {
        String key = request.getHeader(HeaderNames.X_API_KEY);
        return key != null ? key.trim() : bearer(request);
    }

    /** The Bearer token of the {@code Authorization} header, or null. */
    public static String bearer(HttpServerRequest request) {
        String authorization = request.getHeader(HeaderNames.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        return null;
    }
}
