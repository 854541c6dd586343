package dev.gatehouse.server.listener;

import dev.gatehouse.server.pipeline.Body;
import dev.gatehouse.server.pipeline.Deadlines;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Response;
import io.micrometer.core.instrument.Counter;
import dev.gatehouse.server.pipeline.Protocols;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.ReadStream;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Writes a route's answer to its client, at the pace the client reads: a body held whole goes in one write
 * with its head; a stream is read only while the client's socket can take more, and a client that takes
 * nothing for gateway.sendTimeout is cut off; a client that hangs up stops the body at its source (for a
 * proxied answer, its upstream exchange is reset). One per event loop.
 */
final class ResponseWriter {

    /** Why an answer could not be written: its client went away, or read nothing for too long. Stackless: an outcome. */
    static final class NotSent extends RuntimeException {
        NotSent(String why) {
            super(why, null, false, false);
        }
    }

    private final Deadlines deadlines;
    private final LongSupplier sendTimeoutNanos;
    private final LongSupplier nanoTime;
    private final Counter sendTimeouts;

    /**
     * @param sendTimeoutNanos gateway.sendTimeout as configured now (it applies on reload)
     * @param sendTimeouts counts clients cut off for reading nothing
     */
    ResponseWriter(Deadlines deadlines, LongSupplier sendTimeoutNanos, LongSupplier nanoTime, Counter sendTimeouts) {
        this.deadlines = deadlines;
        this.sendTimeoutNanos = sendTimeoutNanos;
        this.nanoTime = nanoTime;
        this.sendTimeouts = sendTimeouts;
    }

    /** Writes {@code response} to the exchange's client; {@link Response#sent()} tells how that went. */
    void write(Exchange exchange, Response response) {
        HttpServerResponse out = exchange.response();
        Body body = response.body();
        if (exchange.isClientGone() || out.closed() || out.ended()) {
            body.abort();
            complete(response, Future.failedFuture(new NotSent("the client closed the connection")));
            return;
        }
        out.setStatusCode(response.status());
        if (response.statusMessage() != null) {
            out.setStatusMessage(response.statusMessage());
        }
        if (response.headers() != out.headers()) {
            // added to what the stages set on the way in (request id, rate-limit fields)
            out.headers().addAll(response.headers());
        }
        if (Protocols.isHttp2(exchange.request())) {
            // a stage's Connection: close, an upstream's Keep-Alive: malformed on an HTTP/2 stream (RFC 9113 8.2.2)
            Protocols.dropConnectionSpecific(out.headers());
        }
        if (body.upgrade() != null) {
            exchange.whenClientGone(body::abort);
            body.upgrade().apply(exchange.request()).onComplete(ended -> complete(response, ended));
            return;
        }
        Buffer whole = body.whole();
        if (whole != null) {
            copyTrailers(exchange, body, out);
            (whole.length() == 0 ? out.end() : out.end(whole)).onComplete(ended -> complete(response, ended));
            return;
        }
        new Pump(exchange, out, body, response).start();
    }

    /**
     * Cuts an answer that cannot be completed: over HTTP/1.x its connection is closed (the client must not take
     * what it got for a whole answer); over HTTP/2 only its stream is reset, and the connection's other streams go on.
     */
    static void cut(HttpServerRequest request) {
        if (Protocols.isHttp2(request)) {
            request.response().reset();
        } else {
            request.connection().close();
        }
    }

    /**
     * The body's trailer fields (a gRPC status) go out after it, where the client can read them: over HTTP/2, or
     * in a chunked HTTP/1.1 answer.
     */
    private static void copyTrailers(Exchange exchange, Body body, HttpServerResponse out) {
        MultiMap trailers = body.trailers();
        if (trailers == null || trailers.isEmpty()) {
            return;
        }
        if (Protocols.isHttp2(exchange.request()) || out.isChunked()) {
            out.trailers().addAll(trailers);
        }
    }

    private static void complete(Response response, io.vertx.core.AsyncResult<Void> result) {
        response.sendingEnded(result.failed() ? result.cause() : null);
    }

    /** One streamed answer: chunks are written as they come, and the source waits while the client cannot take more. */
    private final class Pump {
        private final Exchange exchange;
        private final HttpServerResponse out;
        private final Body body;
        private final ReadStream<Buffer> source;
        private final Response response;
        private Deadlines.Entry stalled;
        private boolean over;

        Pump(Exchange exchange, HttpServerResponse out, Body body, Response response) {
            this.exchange = exchange;
            this.out = out;
            this.body = body;
            this.source = body.stream();
            this.response = response;
        }

        void start() {
            if (body.length() < 0) {
                out.setChunked(true);
            }
            exchange.whenClientGone(() -> stop(new NotSent("the client closed the connection"), false));
            source.exceptionHandler(error -> {
                exchange.failure("response stream broken: " + describe(error));
                stop(error, true);
            });
            source.endHandler(v -> {
                if (over) {
                    return;
                }
                copyTrailers(exchange, body, out);
                out.end().onComplete(ended -> {
                    over = true;
                    disarm();
                    complete(response, ended);
                });
            });
            source.handler(chunk -> {
                if (over) {
                    return;
                }
                out.write(chunk);
                if (out.writeQueueFull()) {
                    source.pause();
                    if (stalled == null) {
                        stalled = deadlines.add(nanoTime.getAsLong(), sendTimeoutNanos.getAsLong(), this::timedOut);
                    }
                    out.drainHandler(drained -> {
                        disarm();
                        if (!over) {
                            source.resume();
                        }
                    });
                }
            });
            source.resume();
        }

        /** The client read nothing for gateway.sendTimeout: cut it off, and the source with it. */
        private void timedOut() {
            stalled = null;
            if (over) {
                return;
            }
            sendTimeouts.increment();
            exchange.failure("client-send-timeout");
            stop(new NotSent("the client read nothing for " + TimeUnit.NANOSECONDS.toMillis(sendTimeoutNanos.getAsLong()) + " ms"), true);
        }

        private void stop(Throwable why, boolean closeClient) {
            if (over) {
                return;
            }
            over = true;
            disarm();
            body.abort();
            if (closeClient) {
                cut(exchange.request());
            }
            complete(response, Future.failedFuture(why));
        }

        private void disarm() {
            if (stalled != null) {
                stalled.done();
                stalled = null;
            }
        }
    }

    private static String describe(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }
}
