package dev.gatehouse.server.pipeline;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;

/**
 * An answer on its way back through a route's chain: status, headers and body, which each stage may look at
 * and change before the listener writes it. For a request with a client, the headers are the client
 * response's own (so a stage that set one on the way in, such as the request id, keeps it); a detached
 * request (a background refresh) has a map of its own. {@link #sent()} completes once the answer is written
 * whole, and fails if it could not be.
 */
public final class Response {
    private int status;
    private String statusMessage;
    private final MultiMap headers;
    private Body body;
    private final Promise<Void> sent = Promise.promise();

    private Response(int status, MultiMap headers, Body body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /**
     * A response with headers of its own, which the listener adds to the client's when it writes it: for an
     * answer a later stage may replace (an error a stale copy may stand in for), whose headers must not mix
     * with the replacement's.
     */
    public static Response detached(int status, MultiMap headers, Body body) {
        return new Response(status, headers, body);
    }

    /** A response for {@code exchange}, its headers being the exchange's response headers. */
    public static Response of(Exchange exchange, int status, Body body) {
        return new Response(status, exchange.responseHeaders(), body);
    }

    public int status() {
        return status;
    }

    public Response status(int status) {
        this.status = status;
        return this;
    }

    /** The reason phrase to send, or null for the status's standard one. */
    public String statusMessage() {
        return statusMessage;
    }

    public Response statusMessage(String message) {
        this.statusMessage = message;
        return this;
    }

    public MultiMap headers() {
        return headers;
    }

    public Body body() {
        return body;
    }

    public Response body(Body body) {
        this.body = body;
        return this;
    }

    /** Completes when the listener has written the answer whole; fails when it could not (the client went away). */
    public Future<Void> sent() {
        return sent.future();
    }

    /** For the listener, which writes it: the answer is written whole ({@code failure} null), or could not be. */
    public void sendingEnded(Throwable failure) {
        if (failure == null) {
            sent.tryComplete();
        } else {
            sent.tryFail(failure);
        }
    }
}
