package dev.gatehouse.server.pipeline;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.vertx.core.Future;

import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The trace a request belongs to while tracing is on: its server span, under which stages start theirs (the
 * upstream call of each attempt, the rate-limit decision, the credential check). Without tracing a request has
 * none, and {@link #start} hands out OpenTelemetry's no-op span, so stages trace unconditionally at no cost.
 */
public record Trace(Tracer tracer, Span server, Context context) {

    public static final AttributeKey<Trace> KEY = new AttributeKey<>("trace");

    /** A span under the request's server span, started now; a no-op one when the request is not traced. */
    public static Span start(Exchange exchange, String name, SpanKind kind) {
        Trace trace = exchange.get(KEY);
        if (trace == null || !trace.server.getSpanContext().isSampled()) {
            return Span.getInvalid();
        }
        return trace.tracer.spanBuilder(name).setParent(trace.context).setSpanKind(kind).startSpan();
    }

    /**
     * Runs {@code work} and, when the request is traced, times it as a child span that {@code describe} annotates with
     * the result (a failure marks it an error). An untraced request gets {@code work}'s future as it is.
     */
    public static <T> Future<T> around(Exchange exchange, String name, Supplier<Future<T>> work, BiConsumer<Span, T> describe) {
        Trace trace = exchange.get(KEY);
        if (trace == null || !trace.server.getSpanContext().isSampled()) {
            return work.get();
        }
        Span span = trace.tracer.spanBuilder(name).setParent(trace.context).setSpanKind(SpanKind.INTERNAL).startSpan();
        return work.get().andThen(done -> {
            if (done.failed()) {
                span.setStatus(StatusCode.ERROR, String.valueOf(done.cause().getMessage()));
            } else {
                describe.accept(span, done.result());
            }
            span.end();
        });
    }

    /** The request's trace id when it is traced here, or null. */
    public static String id(Exchange exchange) {
        Trace trace = exchange.get(KEY);
        return trace == null || !trace.server.getSpanContext().isValid() ? null : trace.server.getSpanContext().getTraceId();
    }
}
