package dev.gatehouse.server.logs;

import dev.gatehouse.core.config.RequestLogPolicy;
import dev.gatehouse.core.http.TrustedProxies;
import dev.gatehouse.core.time.Clock;
import dev.gatehouse.server.pipeline.Caller;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Trace;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.Forwarded;
import dev.gatehouse.server.pipeline.Response;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands each request of a route to the request log once its answer is sent (or could not be), as the
 * route's {@code log} says: every one, none, or a sample, error answers always. The row is built from what
 * the stages noted on the exchange (caller, rate-limit outcome, upstream time, problem) and the answer.
 */
public final class RequestLogFilter implements Filter {
    private static final int CLIENT_CLOSED = 499;

    private final RequestLogPolicy policy;
    private final RequestLogSink sink;
    private final TrustedProxies trusted;
    private final Clock clock;

    public RequestLogFilter(RequestLogPolicy policy, RequestLogSink sink, TrustedProxies trusted, Clock clock) {
        this.policy = policy;
        this.sink = sink;
        this.trusted = trusted;
        this.clock = clock;
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        // read on the way in: the proxy edits the request's forwarding headers in place
        String client = Forwarded.client(exchange.request(), trusted);
        return chain.proceed(exchange).andThen(answered -> {
            if (answered.failed()) {
                record(exchange, client, exchange.isClientGone() ? CLIENT_CLOSED : 500);
            } else {
                Response response = answered.result();
                response.sent().onComplete(sent -> record(exchange, client,
                        sent.failed() && exchange.isClientGone() ? CLIENT_CLOSED : response.status()));
            }
        });
    }

    private void record(Exchange exchange, String client, int status) {
        if (!policy.keeps(status, ThreadLocalRandom.current().nextDouble())) {
            return;
        }
        long now = clock.read();
        long durationMicros = (now - exchange.startNanos()) / 1000;
        HttpServerRequest request = exchange.request();
        Caller caller = exchange.caller();
        sink.offer(new RequestLogRow(clock.epochMicros() - durationMicros, exchange.requestId(), exchange.route().name(),
                request.method().name(), exchange.path(), status, durationMicros,
                exchange.upstreamNanos() < 0 ? -1 : exchange.upstreamNanos() / 1000, request.bytesRead(), exchange.response().bytesWritten(),
                client, caller == null ? null : caller.subject(), caller == null ? null : caller.keyId(),
                caller == null ? null : caller.userId(), caller == null ? null : caller.tier(),
                exchange.response().headers().get("x-cache"), exchange.rateLimit(), exchange.target(), exchange.problem(),
                traced(exchange)));
    }

    /** The request's trace id: the node's own when it traces the request, else the caller's {@code traceparent}'s. */
    private static String traced(Exchange exchange) {
        String own = Trace.id(exchange);
        return own != null ? own : traceId(exchange.request().getHeader("traceparent"));
    }

    /** The trace id of a W3C traceparent ({@code 00-<32 hex>-<16 hex>-<2 hex>}), or null when it is not one. */
    static String traceId(String traceparent) {
        if (traceparent == null || traceparent.length() < 55 || traceparent.charAt(2) != '-' || traceparent.charAt(35) != '-') {
            return null;
        }
        String id = traceparent.substring(3, 35);
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return null;
            }
        }
        return id.equals("00000000000000000000000000000000") ? null : id;
    }
}
