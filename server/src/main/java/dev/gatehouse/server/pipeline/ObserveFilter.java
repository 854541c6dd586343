package dev.gatehouse.server.pipeline;

import dev.gatehouse.server.observe.AccessLog;
import io.vertx.core.Future;

import java.time.Instant;

import static dev.gatehouse.server.observe.AccessLog.field;

/** Times every request by route and status class and writes its access-log line when the response is done. */
public final class ObserveFilter implements Filter {
    private final AccessLog accessLog;

    public ObserveFilter(AccessLog accessLog) {
        this.accessLog = accessLog;
    }

    @Override
    public Future<Void> filter(Exchange exchange, Chain chain) {
        return chain.proceed(exchange).andThen(result -> record(exchange, result.failed()));
    }

    private void record(Exchange exchange, boolean failed) {
        long nanos = System.nanoTime() - exchange.startNanos();
        int status = exchange.response().getStatusCode();
        boolean aborted = failed && !exchange.response().ended();
        exchange.route().timers().record(aborted ? 499 : status, nanos);
        if (accessLog == null) {
            return;
        }
        StringBuilder line = new StringBuilder(320).append('{');
        field(line, "time", Instant.now().toString());
        field(line, "requestId", exchange.requestId());
        field(line, "method", exchange.request().method().name());
        field(line, "path", exchange.path());
        field(line, "route", exchange.route().name());
        field(line, "target", exchange.target());
        field(line, "status", aborted ? 499 : status);
        field(line, "durationMs", nanos / 1_000_000);
        field(line, "attempts", exchange.attempts());
        field(line, "client", exchange.request().remoteAddress() == null ? null : exchange.request().remoteAddress().hostAddress());
        if (exchange.failure() != null) {
            field(line, "error", exchange.failure());
        }
        line.append('}');
        accessLog.write(line.toString());
    }
}
