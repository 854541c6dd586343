package dev.gatehouse.server.observe;

import io.vertx.core.http.HttpServerRequest;

import java.util.function.BooleanSupplier;

/**
 * {@code /health/live} (the process answers) and {@code /health/ready} (storage reachable, answered from
 * a cached probe so the check never blocks an event loop). Served before routing on both listeners.
 */
public final class HealthEndpoints {
    private final BooleanSupplier ready;

    public HealthEndpoints(BooleanSupplier ready) {
        this.ready = ready;
    }

    /** Answers the request if it is a health check; returns whether it did. */
    public boolean handles(String path, HttpServerRequest request) {
        if (!path.startsWith("/health")) {
            return false;
        }
        if (path.equals("/health/live")) {
            request.response().putHeader("content-type", "application/json").end("{\"status\":\"UP\"}");
            return true;
        }
        if (path.equals("/health/ready") || path.equals("/health")) {
            boolean ok = ready.getAsBoolean();
            request.response().setStatusCode(ok ? 200 : 503).putHeader("content-type", "application/json")
                    .end(ok ? "{\"status\":\"UP\",\"checks\":{\"storage\":\"UP\"}}"
                            : "{\"status\":\"DOWN\",\"checks\":{\"storage\":\"DOWN\"}}");
            return true;
        }
        return false;
    }
}
