package dev.gatehouse.server.observe;

import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.Response;
import dev.gatehouse.server.pipeline.Trace;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/**
 * Starts a request's server span, continuing the caller's trace when its {@code traceparent} names one (a sampled
 * parent is always followed, whatever the ratio), and ends it once the answer is written (or could not be).
 */
public final class TraceFilter implements Filter {

    private static final TextMapGetter<HttpServerRequest> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpServerRequest request) {
            return request.headers().names();
        }

        @Override
        public String get(HttpServerRequest request, String key) {
            return request == null ? null : request.getHeader(key);
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;

    public TraceFilter(Tracer tracer, TextMapPropagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        HttpServerRequest request = exchange.request();
        Context parent = propagator.extract(Context.root(), request, HEADERS);
        Span span = tracer.spanBuilder(request.method().name() + " " + exchange.route().name())
                .setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", request.method().name())
                .setAttribute("url.path", exchange.path())
                .setAttribute("http.route", exchange.route().name())
                .setAttribute("gatehouse.request_id", exchange.requestId())
                .startSpan();
        if (request.remoteAddress() != null) {
            span.setAttribute("client.address", request.remoteAddress().hostAddress());
        }
        exchange.put(Trace.KEY, new Trace(tracer, span, parent.with(span)));
        return chain.proceed(exchange).andThen(answered -> {
            if (answered.failed()) {
                end(span, exchange, exchange.isClientGone() ? ObserveFilter.CLIENT_CLOSED : 500);
            } else {
                Response response = answered.result();
                response.sent().onComplete(sent -> end(span, exchange,
                        sent.failed() && exchange.isClientGone() ? ObserveFilter.CLIENT_CLOSED : response.status()));
            }
        });
    }

    private static void end(Span span, Exchange exchange, int status) {
        span.setAttribute("http.response.status_code", status);
        if (exchange.attempts() > 0) {
            span.setAttribute("gatehouse.upstream.attempts", exchange.attempts());
        }
        if (status >= 500) {
            span.setStatus(StatusCode.ERROR, exchange.failure() == null ? "status " + status : exchange.failure());
        }
        span.end();
    }
}
