package dev.gatehouse.server.pipeline;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.util.Set;

import static dev.gatehouse.server.pipeline.JsonFields.field;

/**
 * An error the gateway answers itself, as RFC 9457 {@code application/problem+json}. Every rejection
 * (bad path, no route, too large, upstream down, timeout) is mapped to HTTP here and nowhere else.
 *
 * @param type a stable URN clients can switch on, e.g. {@code urn:gatehouse:problem:no-route}
 */
public record Problem(int status, String type, String title, String detail, Long retryAfterSeconds) {

    /**
     * Every problem type the gateway and the admin API answer with, by its last part. Clients switch on
     * these, so a new one is added here and to the list of errors in docs/operations.md (a test holds the three together).
     */
    public static final Set<String> TYPES = Set.of(
            // the request itself
            "bad-path", "bad-host", "malformed-request", "uri-too-long", "headers-too-large", "body-too-large",
            "length-required", "request-header-timeout", "invalid-body", "invalid-query", "websocket-not-allowed",
            // who may call
            "ip-not-allowed", "cors-not-allowed",
            // routing and the admin API's resources
            "no-route", "not-found", "method-not-allowed", "conflict",
            // identity
            "unauthorized", "insufficient-scope", "insufficient-role", "identity-unavailable",
            // limits
            "rate-limited", "rate-limiter-unavailable",
            // jobs
            "invalid-idempotency-key", "unsupported-media-type", "idempotency-key-reused", "jobs-unavailable",
            // upstreams
            "no-healthy-target", "circuit-open", "upstream-timeout", "upstream-unreachable", "upstream-congested",
            // the gateway's own failures
            "storage", "internal", "too-many-streams");

    /** @throws IllegalArgumentException for a slug not in {@link #TYPES} */
    public static Problem of(int status, String slug, String title, String detail) {
        if (!TYPES.contains(slug)) {
            throw new IllegalArgumentException("'" + slug + "' is not a registered problem type: add it to Problem.TYPES "
                    + "and to the list of errors in docs/operations.md");
        }
        return new Problem(status, "urn:gatehouse:problem:" + slug, title, detail, null);
    }

    /** The last part of the type, e.g. {@code no-route}, as the access log names the failure. */
    public String slug() {
        return type.substring(type.lastIndexOf(':') + 1);
    }

    public Problem retryAfter(long seconds) {
        return new Problem(status, type, title, detail, Math.max(1, seconds));
    }

    public static Problem badPath(String detail) {
        return of(400, "bad-path", "Bad request path", detail);
    }

    public static Problem noRoute(String method, String path) {
        return of(404, "no-route", "No route", "no route matches " + method + " " + path);
    }

    public static Problem bodyTooLarge(long limit) {
        return of(413, "body-too-large", "Request body too large",
                "the request body exceeds this route's limit of " + limit + " bytes");
    }

    public static Problem noHealthyTarget(String pool) {
        return of(503, "no-healthy-target", "No healthy upstream",
                "no target of upstream '" + pool + "' is healthy; try again shortly");
    }

    public static Problem allBreakersOpen(String pool, long retryAfterSeconds) {
        return of(503, "circuit-open", "Upstream circuit open",
                "every target of upstream '" + pool + "' is failing and its circuit breaker is open")
                .retryAfter(retryAfterSeconds);
    }

    /** The gateway's own connections to a target are all busy: congestion here, not a fault of the target. */
    public static Problem upstreamCongested(String pool, String target, String why) {
        return of(503, "upstream-congested", "Gateway congested",
                "the gateway has no free connection to target " + target + " of upstream '" + pool + "': " + why
                        + " (maxConnectionsPerTarget); try again shortly").retryAfter(1);
    }

    public static Problem upstreamTimeout(String pool, long millis) {
        return of(504, "upstream-timeout", "Upstream timed out",
                "upstream '" + pool + "' did not answer within " + millis + " ms");
    }

    public static Problem upstreamUnreachable(String pool, String reason) {
        return of(502, "upstream-unreachable", "Upstream unreachable",
                "could not get a response from upstream '" + pool + "': " + reason);
    }

    /**
     * The problem as a request's answer in a route's chain, noted on the exchange as its failure for the
     * access log. The exchange's request id (and the path as the instance) go into the body.
     */
    public Future<Response> answer(Exchange exchange) {
        exchange.failure(slug());
        exchange.problem(slug());
        if (Protocols.isGrpc(exchange.request())) {
            return Future.succeededFuture(grpc(exchange));
        }
        // headers of its own: a stage may answer something else instead (a stale copy for a 503)
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        headers.set(HttpHeaders.CONTENT_TYPE, "application/problem+json");
        if (retryAfterSeconds != null) {
            headers.set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
        }
        if (exchange.requestId() != null) {
            headers.set(HeaderNames.X_REQUEST_ID, exchange.requestId());
        }
        return Future.succeededFuture(Response.detached(status, headers, Body.of(Buffer.buffer(json(exchange.path(), exchange.requestId())))));
    }

    /**
     * The problem as a gRPC client reads errors: a trailers-only answer (HTTP 200, {@code application/grpc}, no
     * message) whose {@code grpc-status} is the gRPC code closest to the HTTP status, and whose {@code grpc-message}
     * is the problem's type and detail. A retry delay is in the message and in {@code Retry-After}.
     */
    private Response grpc(Exchange exchange) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        headers.set(HttpHeaders.CONTENT_TYPE, "application/grpc");
        headers.set("grpc-status", Integer.toString(grpcStatus(status)));
        String message = slug() + ": " + detail + (retryAfterSeconds == null ? "" : " (retry after " + retryAfterSeconds + " s)");
        headers.set("grpc-message", grpcMessage(message));
        if (retryAfterSeconds != null) {
            headers.set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
        }
        if (exchange.requestId() != null) {
            headers.set(HeaderNames.X_REQUEST_ID, exchange.requestId());
        }
        return Response.detached(200, headers, Body.empty());
    }

    /** The gRPC status code for an HTTP status the gateway answers with (grpc/grpc doc/statuscodes.md names them). */
    static int grpcStatus(int httpStatus) {
        return switch (httpStatus) {
            case 400, 411, 414 -> 3;        // INVALID_ARGUMENT: the request itself is wrong
            case 401 -> 16;                 // UNAUTHENTICATED
            case 403 -> 7;                  // PERMISSION_DENIED
            case 404, 405 -> 12;            // UNIMPLEMENTED: no such method here
            case 408, 504 -> 4;             // DEADLINE_EXCEEDED
            case 409 -> 10;                 // ABORTED
            case 413, 429, 431 -> 8;        // RESOURCE_EXHAUSTED
            case 502, 503 -> 14;            // UNAVAILABLE: worth retrying
            default -> httpStatus >= 500 ? 13 : 2; // INTERNAL, UNKNOWN
        };
    }

    /** grpc-message is percent-encoded UTF-8: printable ASCII but '%' as is, everything else as %XX. */
    static String grpcMessage(String message) {
        StringBuilder out = new StringBuilder(message.length());
        for (byte b : message.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** As {@link #answer}, and the client's connection is closed after it (the request may have more bytes coming). */
    public Future<Response> answerAndClose(Exchange exchange) {
        Future<Response> answer = answer(exchange);
        answer.result().headers().set(HttpHeaders.CONNECTION, "close");
        return answer;
    }

    /** Writes the problem as the response, if the response has not started; the future completes when sent. */
    public Future<Void> send(HttpServerResponse response, String instance, String requestId) {
        if (response.headWritten() || response.ended()) {
            return Future.failedFuture(detail);
        }
        response.setStatusCode(status).putHeader("content-type", "application/problem+json");
        if (retryAfterSeconds != null) {
            response.putHeader("retry-after", Long.toString(retryAfterSeconds));
        }
        if (requestId != null) {
            response.putHeader(HeaderNames.X_REQUEST_ID, requestId);
        }
        return response.end(Buffer.buffer(json(instance, requestId)));
    }

    /** The problem+json body; {@code instance} and {@code requestId} are left out when null. */
    public String json(String instance, String requestId) {
        StringBuilder json = new StringBuilder(256).append('{');
        field(json, "type", type);
        field(json, "title", title);
        field(json, "status", status);
        field(json, "detail", detail);
        if (instance != null) {
            field(json, "instance", instance);
        }
        if (requestId != null) {
            field(json, "requestId", requestId);
        }
        return json.append('}').toString();
    }
}
