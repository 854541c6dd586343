package dev.gatehouse.server.observe;

import io.vertx.core.http.HttpServerRequest;

import java.util.function.BooleanSupplier;

/**
 * {@code /health/live} (the process answers) and {@code /health/ready} (storage reachable, answered from
 * a cached probe so the check never blocks an event loop; DOWN too once the node is draining to stop). Served
 * before routing on both listeners.
 */
public final class HealthEndpoints {
    private final BooleanSupplier ready;
    private final BooleanSupplier draining;

    public HealthEndpoints(BooleanSupplier ready, BooleanSupplier draining) {
        this.ready = ready;
        this.draining = draining;
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
            boolean storage = ready.getAsBoolean();
            boolean stopping = draining.getAsBoolean();
            boolean ok = storage && !stopping;
            request.response().setStatusCode(ok ? 200 : 503).putHeader("content-type", "application/json")
                    .end("{\"status\":\"" + (ok ? "UP" : "DOWN") + "\",\"checks\":{\"storage\":\"" + (storage ? "UP" : "DOWN")
                            + "\",\"node\":\"" + (stopping ? "DRAINING" : "SERVING") + "\"}}");
            return true;
        }
        return false;
    }
}
