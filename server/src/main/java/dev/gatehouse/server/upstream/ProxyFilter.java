package dev.gatehouse.server.upstream;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.core.config.RouteConfig;
import dev.gatehouse.core.health.TargetHealth;
import dev.gatehouse.core.http.HopByHopHeaders;
import dev.gatehouse.core.http.TrustedProxies;
import dev.gatehouse.server.pipeline.Body;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Deadlines;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.Forwarded;
import dev.gatehouse.server.pipeline.HeaderEdits;
import dev.gatehouse.server.pipeline.HeaderNames;
import dev.gatehouse.server.pipeline.Problem;
import dev.gatehouse.server.pipeline.Protocols;
import dev.gatehouse.server.pipeline.Response;
import dev.gatehouse.server.pipeline.Upgrades;
import dev.gatehouse.server.observe.Tracing;
import dev.gatehouse.server.pipeline.Trace;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The last stage of a proxied route: balance → connection slot → breaker → connect → stream the request →
 * timeout → retry on another target when safe → the upstream's answer, handed back up the chain with its
 * body still streaming (read only as fast as the client takes it).
 *
 * <p>Retry rules: a request that never reached a target (connection refused or timed out, breaker
 * refusal) is tried on another target whatever its method. A request that did reach one is retried only
 * when it is idempotent and has no body (so nothing needs replaying), and only on a reset connection or
 * a 502/503 answer; a timeout is never retried because its time budget is spent.
 *
 * <p>Congestion is the gateway's own: a request admitted to a target holds one of the target's connection
 * slots on its event loop until its upstream exchange is over; waiting for one is never the target's failure.
 */
public final class ProxyFilter implements Filter {
    private static final Logger log = LoggerFactory.getLogger(ProxyFilter.class);
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
            HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

    /** Answers up to this size with a Content-Length are gathered, then sent with the head in one write. */
    static final int SMALL_BODY = 16 * 1024;
    /** A discarded answer up to this size is read to its end to keep its connection; a longer one closes it. */
    static final int DISCARD_READ_LIMIT = 64 * 1024;
    /** Requests that may wait per busy connection slot of a target on one event loop before more are shed. */
    static final int QUEUE_PER_CONNECTION = 16;

    /** Why a proxied request was given up: its client went away. Stackless: an outcome, not a bug. */
    static final class ClientGone extends RuntimeException {
        ClientGone() {
            super("the client closed the connection", null, false, false);
        }
    }

    private final Vertx vertx;
    private final UpstreamPool pool;
    private final RouteConfig route;
    private final TrustedProxies trustedProxies;
    private final Clock clock;
    /** The name of each attempt's span when the request is traced. */
    private final String attemptSpanName;

    public ProxyFilter(Vertx vertx, UpstreamPool pool, RouteConfig route, TrustedProxies trustedProxies, Clock clock) {
        this.vertx = vertx;
        this.clock = clock;
        this.pool = pool;
        this.route = route;
        this.trustedProxies = trustedProxies;
        this.attemptSpanName = "upstream " + pool.name();
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        return new Call(exchange).start();
    }

    private java.time.Duration connectTimeout() {
        return route.connectTimeout() != null ? route.connectTimeout() : pool.config().connectTimeout();
    }

    /** One proxied request, across its attempts. */
    private final class Call {
        private final Exchange exchange;
        private final UpstreamLoop loop;
        private final HttpServerRequest request;
        private final Promise<Response> answered = Promise.promise();
        private final List<UpstreamTarget> tried = new ArrayList<>(2);
        private final boolean hasBody;
        private final boolean replayable;
        /** The client's Upgrade header when this is a WebSocket handshake on a route that takes them, else null. */
        private final String upgrade;
        private MultiMap upstreamHeaders;
        private int retriesLeft = route.retries();
        /** The upstream exchange under way, from its request's start until its answer's last byte. */
        private HttpClientRequest inFlight;
        /** The target whose connection slot this call holds on its event loop, or null. */
        private UpstreamTarget slotHeld;
        private ConnectionSlots.Waiter waiting;
        private Deadlines.Entry waitDeadline;
        private boolean gaveUp;
        private LimitedBody body;
        private boolean timedOut;
        /** The span of the attempt under way (a no-op one when the request is not traced). */
        private Span attemptSpan = Span.getInvalid();

        Call(Exchange exchange) {
            this.exchange = exchange;
            this.loop = exchange.loop().get(UpstreamLoop.KEY);
            this.request = exchange.request();
            this.hasBody = Protocols.mayHaveBody(request);
            this.replayable = !hasBody && IDEMPOTENT.contains(request.method());
            this.upgrade = route.websocket() != null && Upgrades.isWebSocket(request) ? request.getHeader(HttpHeaders.UPGRADE) : null;
        }

        Future<Response> start() {
            exchange.whenClientGone(this::clientClosed);
            attempt(null);
            return answered.future();
        }

        /**
         * The client hung up before its answer came: stop everything done on its behalf. An upstream exchange
         * under way is reset (for HTTP/1.1 its connection closes), so the target stops sending what nobody will
         * read and the connection slot is free at once.
         */
        private void clientClosed() {
            gaveUp = true;
            if (waiting != null && waiting.cancel()) {
                waitDeadline.done();
                waiting = null;
                tried.get(tried.size() - 1).abandon();
            }
            abortUpstream();
            answered.tryFail(new ClientGone());
        }

        /** Resets the upstream exchange under way, if any, and frees its slot. */
        private void abortUpstream() {
            HttpClientRequest upstream = inFlight;
            inFlight = null;
            if (upstream != null) {
                upstream.reset();
            }
            releaseSlot();
        }

        private void releaseSlot() {
            UpstreamTarget held = slotHeld;
            if (held != null) {
                slotHeld = null;
                loop.slots().release(held, pool.config().maxExchangesPerTarget());
            }
        }

        private void attempt(Problem lastError) {
            if (gaveUp) {
                return;
            }
            int max = pool.config().maxExchangesPerTarget();
            ConnectionSlots slots = loop.slots();
            // a target with a free connection on this event loop first; only when none has one, wait for one
            UpstreamTarget target = pool.choose(tried, t -> slots.hasFree(t, max));
            if (target == null) {
                target = pool.choose(tried);
            }
            while (target != null && !target.acquire()) {
                tried.add(target);
                target = pool.choose(tried);
            }
            if (target == null) {
                if (lastError != null) {
                    answer(lastError);
                } else if (pool.blockedOnlyByBreakers()) {
                    answer(Problem.allBreakersOpen(pool.name(), pool.secondsUntilTrial()));
                } else {
                    answer(Problem.noHealthyTarget(pool.name()).retryAfter(1));
                }
                return;
            }
            tried.add(target);
            if (slots.tryAcquire(target, max)) {
                slotHeld = target;
                connect(target);
                return;
            }
            UpstreamTarget queuedFor = target;
            waiting = slots.enqueue(target, max * QUEUE_PER_CONNECTION, () -> {
                waitDeadline.done();
                waiting = null;
                slotHeld = queuedFor;
                connect(queuedFor);
            });
            if (waiting == null) {
                loop.meters().queueFull().increment();
                target.abandon();
                answer(Problem.upstreamCongested(pool.name(), target.address(),
                        max + " connections are busy and " + max * QUEUE_PER_CONNECTION + " requests already wait for one"));
                return;
            }
            waitDeadline = loop.deadlines().add(clock.read(), connectTimeout().toNanos(), () -> {
                if (waiting != null && waiting.cancel()) {
                    waiting = null;
                    loop.meters().queueTimeouts().increment();
                    queuedFor.abandon();
                    answer(Problem.upstreamCongested(pool.name(), queuedFor.address(),
                            "all " + max + " connections stayed busy for " + connectTimeout().toMillis() + " ms"));
                }
            });
        }

        private void connect(UpstreamTarget target) {
            exchange.countAttempt();
            exchange.target(target.address());
            attemptSpan = Trace.start(exchange, attemptSpanName, SpanKind.CLIENT);
            if (attemptSpan.isRecording()) {
                attemptSpan.setAttribute("server.address", target.config().host());
                attemptSpan.setAttribute("server.port", target.config().port());
                attemptSpan.setAttribute("gatehouse.attempt", exchange.attempts());
            }
            long began = clock.read();
            RequestOptions options = new RequestOptions()
                    .setMethod(request.method())
                    .setHost(target.config().host())
                    .setPort(target.config().port())
                    .setSsl(target.config().tls())
                    .setURI(uri())
                    .setHeaders(headers())
                    .setConnectTimeout(connectTimeout().toMillis());
            if (attemptSpan.isRecording()) {
                // the upstream's parent is this attempt, not the caller's span
                Tracing.propagator().inject(Context.root().with(attemptSpan), options.getHeaders(), (headers, name, value) -> headers.set(name, value));
            }
            HostAndPort authority = null;
            if (pool.config().protocol().multiplexed()) {
                // HTTP/2 names the host in :authority; a Host beside it must not disagree, so it goes there
                String host = options.getHeaders().get(HttpHeaders.HOST);
                options.getHeaders().remove(HttpHeaders.HOST);
                authority = host == null ? null : HostAndPort.parseAuthority(host, -1);
            }
            HostAndPort upstreamAuthority = authority;
            loop.client(pool.config().protocol()).request(options).onComplete(connected -> {
                if (gaveUp) {
                    endAttempt(-1, "client gone");
                    if (connected.succeeded()) {
                        connected.result().reset();
                    }
                    releaseSlot();
                    target.abandon();
                    return;
                }
                if (connected.failed()) {
                    endAttempt(-1, describe(connected.cause()));
                    releaseSlot();
                    // nothing reached the target: safe to try another one whatever the method
                    failedTarget(target, began, connected.cause());
                    Problem problem = connected.cause() instanceof TimeoutException || isConnectTimeout(connected.cause())
                            ? Problem.upstreamTimeout(pool.name(), connectTimeout().toMillis())
                            : Problem.upstreamUnreachable(pool.name(), describe(connected.cause()));
                    retryOrAnswer(true, problem);
                    return;
                }
                if (upstreamAuthority != null) {
                    connected.result().authority(upstreamAuthority);
                }
                send(target, connected.result(), began);
            });
        }

        private void send(UpstreamTarget target, HttpClientRequest upstream, long began) {
            inFlight = upstream;
            // the route's timeout bounds the wait for the answer's head (the event loop's deadlines, not a timer each),
            // and a gRPC client's own deadline when it is sooner
            timedOut = false;
            long timeoutNanos = headTimeoutNanos();
            // the answer's head, or the timeout: whichever comes first (an HTTP/2 stream reset here may never fail
            // the response future, as a closed HTTP/1.1 connection does)
            Promise<HttpClientResponse> head = Promise.promise();
            Deadlines.Entry deadline = loop.deadlines().add(clock.read(), timeoutNanos, () -> {
                timedOut = true;
                TimeoutException timeout = new TimeoutException("no answer within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
                upstream.reset(0, timeout);
                head.tryFail(timeout);
            });
            // failures surface through the response future; this only keeps Vert.x from logging them twice
            upstream.exceptionHandler(error -> log.debug("upstream request to {} failed: {}", target.address(), describe(error)));
            if (hasBody) {
                if (request.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
                    upstream.setChunked(true);
                }
                body = new LimitedBody(request, route.maxBodyBytes());
                // never end the upstream request on a failed body: a truncated body must not look complete
                body.pipe().endOnFailure(false).to(upstream).onFailure(error -> {
                    if (body.clientFailed()) {
                        // the client reset its stream or hung up mid-upload: its abort, never the target's failure
                        // (an HTTP/2 reset may reach here before the response's close handler does)
                        exchange.clientGone();
                        return;
                    }
                    // the connection holds a request that will never end: it must not go back to the pool (a
                    // reset alone leaves it there once the answer is complete)
                    upstream.reset(0, error);
                    upstream.connection().close();
                });
            } else if (upgrade == null) {
                upstream.end();
            }
            // a handshake is sent as a tunnel request: on a 101 its connection leaves the pool for the tunnel
            (upgrade == null ? upstream.response() : upstream.connect()).onComplete(head);
            head.future().onComplete(result -> {
                deadline.done();
                endAttempt(result.succeeded() ? result.result().statusCode() : -1,
                        gaveUp ? "client gone" : result.failed() ? (timedOut ? "timed out" : describe(result.cause())) : null);
                if (gaveUp) {
                    abortUpstream();
                    target.abandon();
                    return;
                }
                if (result.failed()) {
                    inFlight = null;
                    releaseSlot();
                    if (body != null && body.exceeded()) {
                        target.abandon();
                        answered.tryComplete(Problem.bodyTooLarge(route.maxBodyBytes()).answerAndClose(exchange).result());
                        return;
                    }
                    failedTarget(target, began, timedOut ? new TimeoutException("no answer within the route's request timeout") : result.cause());
                    if (timedOut || result.cause() instanceof TimeoutException) {
                        answer(Problem.upstreamTimeout(pool.name(), TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
                    } else {
                        retryOrAnswer(replayable, Problem.upstreamUnreachable(pool.name(), describe(result.cause())));
                    }
                    return;
                }
                if (upgrade != null && result.result().statusCode() == 101) {
                    tunnel(target, result.result(), began);
                } else {
                    relay(target, result.result(), began);
                }
            });
        }

        /** The upstream accepted the WebSocket: the connection is the tunnel's now, no longer a pooled exchange. */
        private void tunnel(UpstreamTarget target, HttpClientResponse upgraded, long began) {
            exchange.upstreamNanos(clock.read() - began);
            target.succeeded(clock.read() - began);
            inFlight = null;
            releaseSlot();
            MultiMap out = exchange.responseHeaders();
            out.addAll(upgraded.headers());
            HeaderEdits.apply(route.responseHeaders(), out);
            Body takeOver = Body.upgrade(client -> WebSocketTunnel.splice(vertx, client, upgraded, route.websocket(), loop.meters().websockets(), clock),
                    () -> upgraded.netSocket().close());
            answered.tryComplete(Response.of(exchange, 101, takeOver).statusMessage(upgraded.statusMessage()));
        }

        private void relay(UpstreamTarget target, HttpClientResponse upstream, long began) {
            int status = upstream.statusCode();
            long elapsed = clock.read() - began;
            exchange.upstreamNanos(elapsed);
            if (status >= 500) {
                failedTarget(target, began, new UpstreamStatus(status));
                if ((status == 502 || status == 503) && replayable && retriesLeft > 0) {
                    retriesLeft--;
                    discard(upstream, () -> attempt(null));
                    return;
                }
            } else {
                target.succeeded(elapsed);
            }
            // an error's headers are its own: a stage may answer something else instead (a stale copy)
            MultiMap out = status >= 500 ? MultiMap.caseInsensitiveMultiMap() : exchange.responseHeaders();
            String requestId = out.get(HeaderNames.X_REQUEST_ID);
            // a bulk copy, then drop what describes the upstream connection rather than the message
            out.addAll(upstream.headers());
            removeHopByHop(out, upstream.getHeader(HttpHeaders.CONNECTION));
            if (requestId != null) {
                out.set(HeaderNames.X_REQUEST_ID, requestId);
            } else {
                out.remove(HeaderNames.X_REQUEST_ID); // the gateway's own is already among the client's headers
            }
            HeaderEdits.apply(route.responseHeaders(), out);
            Response response = (out == exchange.responseHeaders() ? Response.of(exchange, status, Body.empty())
                    : Response.detached(status, out, Body.empty())).statusMessage(upstream.statusMessage());
            if (request.method() == HttpMethod.HEAD || status == 204 || status == 304) {
                discard(upstream, () -> { });
                answered.tryComplete(response);
                return;
            }
            long length = contentLength(out.get(HttpHeaders.CONTENT_LENGTH));
            if (length >= 0 && length <= SMALL_BODY) {
                // a small body of known length is gathered, so it goes with the head in one write
                upstream.body().onComplete(gathered -> {
                    inFlight = null;
                    releaseSlot();
                    if (gathered.succeeded()) {
                        MultiMap trailers = upstream.trailers();
                        answered.tryComplete(response.body(Body.of(gathered.result()).withTrailers(() -> trailers)));
                    } else if (!gaveUp) {
                        exchange.failure("response stream broken: " + describe(gathered.cause()));
                        answered.tryFail(gathered.cause());
                    }
                });
                return;
            }
            UpstreamBody streamed = new UpstreamBody(upstream, () -> {
                inFlight = null;
                releaseSlot();
            });
            // trailers (a gRPC call's grpc-status) are the upstream's once its body has ended
            answered.tryComplete(response.body(Body.stream(streamed, length, this::abortUpstream).withTrailers(upstream::trailers)));
        }

        /**
         * An answer nobody will read: a short one is read to its end, so its connection goes back to the pool; a
         * long one (or one of unknown length) is not worth reading, and its connection is closed instead.
         */
        private void discard(HttpClientResponse upstream, Runnable then) {
            long length = contentLength(upstream.getHeader(HttpHeaders.CONTENT_LENGTH));
            if (request.method() == HttpMethod.HEAD || upstream.statusCode() == 204 || upstream.statusCode() == 304
                    || (length >= 0 && length <= DISCARD_READ_LIMIT)) {
                upstream.handler(null);
                upstream.end().onComplete(ended -> {
                    inFlight = null;
                    releaseSlot();
                    then.run();
                });
            } else {
                abortUpstream();
                then.run();
            }
        }

        /** Ends the attempt's span with the upstream's status, or the error that kept it from answering. */
        private void endAttempt(int status, String error) {
            Span span = attemptSpan;
            attemptSpan = Span.getInvalid();
            if (status > 0) {
                span.setAttribute("http.response.status_code", status);
            }
            if (error != null || status >= 500) {
                span.setStatus(StatusCode.ERROR, error != null ? error : "status " + status);
            }
            span.end();
        }

        private void failedTarget(UpstreamTarget target, long began, Throwable cause) {
            if (target.failed(clock.read() - began, cause) == TargetHealth.Transition.EJECTED) {
                log.warn("upstream {} target {} ejected after {} consecutive failures (last: {})", pool.name(),
                        target.address(), pool.config().health().passiveFailures(), describe(cause));
            }
        }

        private void retryOrAnswer(boolean retryable, Problem problem) {
            if (retryable && retriesLeft > 0 && !gaveUp) {
                retriesLeft--;
                attempt(problem);
            } else {
                answer(problem);
            }
        }

        private void answer(Problem problem) {
            if (gaveUp) {
                return;
            }
            // the client may still be sending a body nobody will read: do not keep the connection
            answered.tryComplete((hasBody ? problem.answerAndClose(exchange) : problem.answer(exchange)).result());
        }

        /** The route's request timeout, or the client's {@code grpc-timeout} when that is sooner. */
        private long headTimeoutNanos() {
            long route = ProxyFilter.this.route.requestTimeout().toNanos();
            long grpc = GrpcTimeout.parseNanos(request.getHeader(GrpcTimeout.HEADER));
            return grpc > 0 ? Math.min(route, grpc) : route;
        }

        private String uri() {
            String query = request.query();
            return query == null ? exchange.upstreamPath() : exchange.upstreamPath() + "?" + query;
        }

        private MultiMap headers() {
            if (upstreamHeaders != null) {
                return upstreamHeaders;
            }
            // edit the client's header block in place: cheaper than copying every header
            MultiMap in = request.headers();
            String peer = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
            boolean trusted = trustedProxies.trusts(peer);
            String priorFor = trusted ? Forwarded.forwardedFor(in) : null;
            // every line a trusted proxy sent, not only the first (which may be its client's own claim)
            String proto = trusted ? Forwarded.lines(in, HeaderNames.X_FORWARDED_PROTO) : null;
            if (!in.contains(HttpHeaders.HOST) && request.authority() != null) {
                // an HTTP/2 client names the host in :authority only; an HTTP/1.1 upstream reads it from Host
                in.set(HttpHeaders.HOST, request.authority().toString());
            }
            String host = trusted ? Forwarded.lines(in, HeaderNames.X_FORWARDED_HOST) : null;
            if (host == null) {
                host = in.get(HttpHeaders.HOST);
            }
            // TE is hop-by-hop, but "trailers" says the client reads trailer fields: gRPC servers insist on it
            boolean trailers = acceptsTrailers(in.getAll(HttpHeaderNames.TE));
            removeHopByHop(in, in.get(HttpHeaders.CONNECTION));
            if (trailers) {
                in.set(HttpHeaderNames.TE, "trailers");
            }
            if (!trusted) {
                for (CharSequence name : HeaderNames.UNTRUSTED_FORWARDING) {
                    in.remove(name);
                }
            }
            MultiMap out = in;
            if (peer != null) {
                out.set(HeaderNames.X_FORWARDED_FOR, priorFor == null ? peer : priorFor + ", " + peer);
            }
            out.set(HeaderNames.X_FORWARDED_PROTO, proto != null ? proto : request.scheme() == null ? "http" : request.scheme());
            if (host != null) {
                out.set(HeaderNames.X_FORWARDED_HOST, host);
            }
            out.set(HeaderNames.X_REQUEST_ID, exchange.requestId());
            if (upgrade != null) {
                // hop-by-hop, so removed above; a handshake carries them on to the upstream as the standard pair
                out.set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE);
                out.set(HttpHeaders.UPGRADE, upgrade);
            }
            HeaderEdits.apply(route.requestHeaders(), out);
            upstreamHeaders = out;
            return out;
        }
    }

    /** Removes hop-by-hop headers, including any the Connection header names. */
    static void removeHopByHop(MultiMap headers, String connection) {
        if (connection != null) {
            for (String listed : HopByHopHeaders.listedIn(connection)) {
                headers.remove(listed);
            }
        }
        for (CharSequence name : HeaderNames.HOP_BY_HOP) {
            headers.remove(name);
        }
    }

    /** Whether TE lists {@code trailers}. */
    static boolean acceptsTrailers(List<String> te) {
        for (String line : te) {
            for (String token : line.split(",")) {
                String name = token.trim();
                int semicolon = name.indexOf(';');
                if ((semicolon < 0 ? name : name.substring(0, semicolon).trim()).equalsIgnoreCase("trailers")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A Content-Length's value, or -1 when it is absent or not a plain number. */
    static long contentLength(String contentLength) {
        if (contentLength == null || contentLength.isEmpty() || contentLength.length() > 15) {
            return -1;
        }
        for (int i = 0; i < contentLength.length(); i++) {
            if (!Character.isDigit(contentLength.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(contentLength);
    }

    private static boolean isConnectTimeout(Throwable t) {
        return t.getClass().getSimpleName().contains("ConnectTimeout")
                || (t.getMessage() != null && t.getMessage().contains("connection timed out"));
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }

    /** A 5xx answer recorded against a target's breaker; stackless because it is an outcome, not a bug. */
    static final class UpstreamStatus extends RuntimeException {
        UpstreamStatus(int status) {
            super("upstream answered " + status, null, false, false);
        }
    }
}
