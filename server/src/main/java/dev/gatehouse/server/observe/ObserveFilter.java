package dev.gatehouse.server.observe;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.server.observe.GatewayMetrics.RequestTimers;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.Response;
import dev.gatehouse.server.pipeline.Trace;
import io.vertx.core.Future;


import static dev.gatehouse.server.pipeline.JsonFields.field;

/**
 * Times every request by route and status class and writes its access-log line, once its answer has been
 * written whole (or could not be: a client gone is logged as 499, a stage's failure as the 500 it became).
 */
public final class ObserveFilter implements Filter {
    /** nginx's status for a request whose client closed the connection before its answer was complete. */
    static final int CLIENT_CLOSED = 499;

    private final AccessLog accessLog;
    private final RequestTimers timers;
    private final Clock clock;

    public ObserveFilter(AccessLog accessLog, RequestTimers timers, Clock clock) {
        this.accessLog = accessLog;
        this.clock = clock;
        this.timers = timers;
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        return chain.proceed(exchange).andThen(answered -> {
            if (answered.failed()) {
                record(exchange, exchange.isClientGone() ? CLIENT_CLOSED : 500);
            } else {
                Response response = answered.result();
                response.sent().onComplete(sent -> record(exchange,
                        sent.failed() && exchange.isClientGone() ? CLIENT_CLOSED : response.status()));
            }
        });
    }

    private void record(Exchange exchange, int status) {
        long nanos = clock.read() - exchange.startNanos();
        timers.record(status, nanos);
        if (accessLog == null) {
            return;
        }
        StringBuilder line = new StringBuilder(320).append('{');
        field(line, "time", clock.instant().toString());
        field(line, "requestId", exchange.requestId());
        String traceId = Trace.id(exchange);
        if (traceId != null) {
            field(line, "traceId", traceId);
        }
        field(line, "method", exchange.request().method().name());
        field(line, "path", exchange.path());
        field(line, "route", exchange.route().name());
        field(line, "target", exchange.target());
        field(line, "status", status);
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
