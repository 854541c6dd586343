package dev.gatehouse.server.upstream;

import dev.gatehouse.core.config.RouteConfig;
import dev.gatehouse.core.health.TargetHealth;
import dev.gatehouse.core.http.HopByHopHeaders;
import dev.gatehouse.core.http.TrustedProxies;
import dev.gatehouse.server.cache.ResponseTap;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.Forwarded;
import dev.gatehouse.server.pipeline.HeaderEdits;
import dev.gatehouse.server.pipeline.HeaderNames;
import dev.gatehouse.server.pipeline.Problem;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * The last stage of a proxied route: balance → breaker → connect → stream the request → timeout →
 * retry on another target when safe → stream the response back.
 *
 * <p>Retry rules: a request that never reached a target (connection refused or timed out, breaker
 * refusal) is tried on another target whatever its method. A request that did reach one is retried only
 * when it is idempotent and has no body (so nothing needs replaying), and only on a reset connection or
 * a 502/503 answer; a timeout is never retried because its time budget is spent.
 */
public final class ProxyFilter implements Filter {
    private static final Logger log = LoggerFactory.getLogger(ProxyFilter.class);
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
            HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

    /** Responses up to this size with a Content-Length are sent in one write; larger ones stream. */
    static final int SMALL_BODY = 16 * 1024;

    private final Vertx vertx;
    private final UpstreamPool pool;
    private final RouteConfig route;
    private final TrustedProxies trustedProxies;

    public ProxyFilter(Vertx vertx, UpstreamPool pool, RouteConfig route, TrustedProxies trustedProxies) {
        this.vertx = vertx;
        this.pool = pool;
        this.route = route;
        this.trustedProxies = trustedProxies;
    }

    @Override
    public Future<Void> filter(Exchange exchange, Chain chain) {
        return new Call(exchange).start();
    }

    private java.time.Duration connectTimeout() {
        return route.connectTimeout() != null ? route.connectTimeout() : pool.config().connectTimeout();
    }

    /** One proxied request, across its attempts. */
    private final class Call {
        private final Exchange exchange;
        private final HttpServerRequest request;
        private final HttpServerResponse response;
        private final Promise<Void> done = Promise.promise();
        private final List<UpstreamTarget> tried = new ArrayList<>(2);
        private final boolean hasBody;
        private final boolean replayable;
        /** Set when the cache takes the upstream's answer; {@code background} when the client already has one. */
        private final ResponseTap tap;
        private final boolean background;
        private MultiMap upstreamHeaders;
        private int retriesLeft = route.retries();
        private HttpClientRequest inFlight;
        private boolean clientGone;
        private LimitedBody body;
        private boolean timedOut;

        Call(Exchange exchange) {
            this.exchange = exchange;
            this.request = exchange.request();
            this.response = exchange.response();
            String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
            this.hasBody = (contentLength != null && !contentLength.equals("0")) || request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
            this.replayable = !hasBody && IDEMPOTENT.contains(request.method());
            this.tap = exchange.get(ResponseTap.KEY);
            this.background = tap != null && tap.clientAnswered();
        }

        Future<Void> start() {
            if (background) {
                // a cache refresh after the client was answered: the client's connection is not ours to watch
                attempt(null);
                return done.future();
            }
            response.closeHandler(v -> {
                clientGone = true;
                if (inFlight != null) {
                    inFlight.reset();
                }
                done.tryFail("client closed the connection");
            });
            attempt(null);
            return done.future();
        }

        private void attempt(Problem lastError) {
            UpstreamTarget target = pool.choose(tried);
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
            exchange.countAttempt();
            exchange.target(target.address());
            UpstreamTarget chosen = target;
            long began = System.nanoTime();
            RequestOptions options = new RequestOptions()
                    .setMethod(request.method())
                    .setHost(target.config().host())
                    .setPort(target.config().port())
                    .setSsl(target.config().tls())
                    .setURI(uri())
                    .setHeaders(headers())
                    .setConnectTimeout(connectTimeout().toMillis());
            exchange.upstreamClient().request(options).onComplete(connected -> {
                if (clientGone) {
                    if (connected.succeeded()) {
                        connected.result().reset();
                    }
                    chosen.abandon();
                    return;
                }
                if (connected.failed()) {
                    // nothing reached the target: safe to try another one whatever the method
                    failedTarget(chosen, began, connected.cause());
                    Problem problem = connected.cause() instanceof TimeoutException || isConnectTimeout(connected.cause())
                            ? Problem.upstreamTimeout(pool.name(), connectTimeout().toMillis())
                            : Problem.upstreamUnreachable(pool.name(), describe(connected.cause()));
                    retryOrAnswer(true, problem);
                    return;
                }
                send(chosen, connected.result(), began);
            });
        }

        private void send(UpstreamTarget target, HttpClientRequest upstream, long began) {
            inFlight = upstream;
            // the route's timeout bounds the wait for the answer's head (the event loop's deadlines, not a timer each)
            timedOut = false;
            Deadlines.Entry deadline = exchange.deadlines().add(System.nanoTime(), route.requestTimeout().toNanos(), () -> {
                timedOut = true;
                upstream.reset(0, new TimeoutException("no answer within " + route.requestTimeout().toMillis() + " ms"));
            });
            // failures surface through the response future; this only keeps Vert.x from logging them twice
            upstream.exceptionHandler(error -> log.debug("upstream request to {} failed: {}", target.address(), describe(error)));
            if (hasBody) {
                if (request.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
                    upstream.setChunked(true);
                }
                body = new LimitedBody(request, route.maxBodyBytes());
                // never end the upstream request on a failed body: a truncated body must not look complete
                body.pipe().endOnFailure(false).to(upstream).onFailure(error -> upstream.reset(0, error));
            } else {
                upstream.end();
            }
            Future<HttpClientResponse> answer = upstream.response();
            answer.onComplete(result -> {
                deadline.done();
                inFlight = null;
                if (clientGone) {
                    target.abandon();
                    return;
                }
                if (result.failed()) {
                    if (body != null && body.exceeded()) {
                        target.abandon();
                        exchange.failure("body-too-large");
                        Problem.bodyTooLarge(route.maxBodyBytes()).send(response, exchange.path(), exchange.requestId())
                                .onComplete(v -> request.connection().close());
                        done.tryComplete();
                        return;
                    }
                    failedTarget(target, began, timedOut ? new TimeoutException("no answer within the route's request timeout") : result.cause());
                    if (timedOut || result.cause() instanceof TimeoutException) {
                        answer(Problem.upstreamTimeout(pool.name(), route.requestTimeout().toMillis()));
                    } else {
                        retryOrAnswer(replayable, Problem.upstreamUnreachable(pool.name(), describe(result.cause())));
                    }
                    return;
                }
                relay(target, result.result(), began);
            });
        }

        private void relay(UpstreamTarget target, HttpClientResponse upstream, long began) {
            int status = upstream.statusCode();
            long elapsed = System.nanoTime() - began;
            if (status >= 500) {
                failedTarget(target, began, new UpstreamStatus(status));
                if ((status == 502 || status == 503) && replayable && retriesLeft > 0) {
                    retriesLeft--;
                    // drain the discarded answer so its connection goes back to the pool
                    upstream.body().onComplete(ignored -> attempt(null));
                    return;
                }
                Future<Void> instead = background ? Future.succeededFuture() : tap == null ? null : tap.answerInsteadOfError(status);
                if (instead != null) {
                    // a stale copy answers instead (or nobody is waiting): drain the failed answer
                    upstream.body().onComplete(ignored -> instead.onComplete(done));
                    return;
                }
            } else {
                target.succeeded(elapsed);
            }
            MultiMap out = background ? MultiMap.caseInsensitiveMultiMap() : response.headers();
            if (!background) {
                response.setStatusCode(status);
                if (upstream.statusMessage() != null) {
                    response.setStatusMessage(upstream.statusMessage());
                }
            }
            String requestId = out.get(HeaderNames.X_REQUEST_ID);
            // a bulk copy, then drop what describes the upstream connection rather than the message
            out.addAll(upstream.headers());
            removeHopByHop(out, upstream.getHeader(HttpHeaders.CONNECTION));
            if (requestId != null) {
                out.set(HeaderNames.X_REQUEST_ID, requestId);
            }
            HeaderEdits.apply(route.responseHeaders(), out);
            if (request.method() == HttpMethod.HEAD || status == 204 || status == 304) {
                upstream.body().onComplete(ignored -> (background ? Future.<Void>succeededFuture() : response.end()).onComplete(done));
                return;
            }
            String length = out.get(HttpHeaders.CONTENT_LENGTH);
            if (isSmall(length, tap == null ? SMALL_BODY : tap.maxBytes())) {
                // a small body of known length is gathered and sent with the head in one write
                // (and offered to the cache when the route has one)
                upstream.body().onComplete(body -> {
                    if (body.succeeded()) {
                        if (tap != null) {
                            offer(status, out, body.result());
                        }
                        (background ? Future.<Void>succeededFuture() : response.end(body.result())).onComplete(done);
                    } else if (background) {
                        done.tryComplete();
                    } else {
                        exchange.failure("response stream broken: " + describe(body.cause()));
                        request.connection().close();
                        done.tryFail(body.cause());
                    }
                });
                return;
            }
            if (background) {
                // too large (or of unknown length) to store: nothing to refresh
                upstream.body().onComplete(ignored -> done.tryComplete());
                return;
            }
            if (length == null) {
                response.setChunked(true);
            }
            upstream.pipeTo(response).onComplete(piped -> {
                if (piped.succeeded()) {
                    done.tryComplete();
                } else {
                    exchange.failure("response stream broken: " + describe(piped.cause()));
                    request.connection().close();
                    done.tryFail(piped.cause());
                }
            });
        }

        /** Hands the answer to the cache; a failure there is a bug to log, never a reason to leave the client waiting. */
        private void offer(int status, MultiMap headers, io.vertx.core.buffer.Buffer body) {
            try {
                tap.offer(status, headers, body);
            } catch (RuntimeException e) {
                log.error("the response cache could not store an answer for {}", exchange.path(), e);
            }
        }

        private void failedTarget(UpstreamTarget target, long began, Throwable cause) {
            if (target.failed(System.nanoTime() - began, cause) == TargetHealth.Transition.EJECTED) {
                log.warn("upstream {} target {} ejected after {} consecutive failures (last: {})", pool.name(),
                        target.address(), pool.config().health().passiveFailures(), describe(cause));
            }
        }

        private void retryOrAnswer(boolean retryable, Problem problem) {
            if (retryable && retriesLeft > 0 && !clientGone) {
                retriesLeft--;
                attempt(problem);
            } else {
                answer(problem);
            }
        }

        private void answer(Problem problem) {
            if (background) {
                done.tryComplete();
                return;
            }
            exchange.failure(problem.slug());
            Future<Void> instead = tap == null ? null : tap.answerInsteadOfError(problem.status());
            if (instead != null) {
                instead.onComplete(done);
                return;
            }
            if (hasBody) {
                // the client may still be sending a body we will never read: do not keep the connection
                response.putHeader(HttpHeaders.CONNECTION, "close");
            }
            problem.send(response, exchange.path(), exchange.requestId()).onComplete(done);
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
            String host = trusted ? Forwarded.lines(in, HeaderNames.X_FORWARDED_HOST) : null;
            if (host == null) {
                host = in.get(HttpHeaders.HOST);
            }
            removeHopByHop(in, in.get(HttpHeaders.CONNECTION));
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

    private static boolean isSmall(String contentLength, long limit) {
        if (contentLength == null || contentLength.isEmpty() || contentLength.length() > 12) {
            return false;
        }
        for (int i = 0; i < contentLength.length(); i++) {
            if (!Character.isDigit(contentLength.charAt(i))) {
                return false;
            }
        }
        return Long.parseLong(contentLength) <= limit;
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
