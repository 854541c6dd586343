package dev.gatehouse.server.upstream;

import dev.gatehouse.core.config.HealthCheckConfig;
import dev.gatehouse.core.health.TargetHealth;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Active health checks: every pool with a {@code healthCheck} has each target probed with a GET on a
 * Vert.x timer; a 2xx within the timeout passes. Transitions are logged. Restarted on every reload.
 */
public final class HealthChecker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    private final Vertx vertx;
    private final HttpClient client;
    private final List<Long> timers = new ArrayList<>();

    public HealthChecker(Vertx vertx) {
        this.vertx = vertx;
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setName("gatehouse-health"));
    }

    /** Stops the current checks and starts checks for these pools. */
    public synchronized void watch(Collection<UpstreamPool> pools) {
        timers.forEach(vertx::cancelTimer);
        timers.clear();
        for (UpstreamPool pool : pools) {
            HealthCheckConfig check = pool.config().healthCheck();
            if (check == null) {
                continue;
            }
            timers.add(vertx.setPeriodic(0, check.interval().toMillis(), id -> pool.targets().forEach(t -> probe(t, check))));
        }
    }

    private void probe(UpstreamTarget target, HealthCheckConfig check) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost(target.config().host())
                .setPort(target.config().port())
                .setSsl(target.config().tls())
                .setURI(check.path())
                .setTimeout(check.timeout().toMillis())
                .putHeader("user-agent", "gatehouse-health-check");
        client.request(options)
                .compose(request -> request.send())
                .compose(response -> response.body().map(body -> response.statusCode()))
                .onComplete(result -> {
                    boolean passed = result.succeeded() && result.result() / 100 == 2;
                    TargetHealth.Transition transition = passed ? target.health().checkPassed() : target.health().checkFailed();
                    if (transition == TargetHealth.Transition.BECAME_UNHEALTHY) {
                        log.warn("upstream {} target {} is unhealthy: {}", target.pool(), target.address(),
                                result.succeeded() ? "health check answered " + result.result() : result.cause().getMessage());
                    } else if (transition == TargetHealth.Transition.BECAME_HEALTHY) {
                        log.info("upstream {} target {} is healthy again", target.pool(), target.address());
                    }
                });
    }

    @Override
    public synchronized void close() {
        timers.forEach(vertx::cancelTimer);
        timers.clear();
        client.close();
    }
}
