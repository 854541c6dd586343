package dev.gatehouse.server.pipeline;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A response's body on its way back through the chain: held whole in memory (small answers, cache hits,
 * problems), a stream that is read only as fast as the client takes it (an upstream's answer), or a switch
 * of protocols (a WebSocket the upstream accepted). A stage may replace it: a tap that copies what passes,
 * a transform such as compression. A body may end with trailer fields (a gRPC call's status), read once it
 * has ended.
 */
public final class Body {
    private static final Body EMPTY = new Body(Buffer.buffer(0), null, 0, null, null, null);

    private final Buffer whole;
    private final ReadStream<Buffer> stream;
    private final long length;
    private final Runnable abort;
    private final Function<HttpServerRequest, Future<Void>> upgrade;
    private final Supplier<MultiMap> trailers;

    private Body(Buffer whole, ReadStream<Buffer> stream, long length, Runnable abort,
                 Function<HttpServerRequest, Future<Void>> upgrade, Supplier<MultiMap> trailers) {
        this.whole = whole;
        this.stream = stream;
        this.length = length;
        this.abort = abort;
        this.upgrade = upgrade;
        this.trailers = trailers;
    }

    /** No body (HEAD, 204, 304, or none sent). */
    public static Body empty() {
        return EMPTY;
    }

    /** A body held whole. */
    public static Body of(Buffer whole) {
        return new Body(whole, null, whole.length(), null, null, null);
    }

    /**
     * A body that streams from {@code source}, which is paused until the writer reads it.
     *
     * @param length its length in bytes, or -1 when unknown (then it is sent chunked)
     * @param abort stops the source for good (a client gone, a transfer cut); runs at most once
     */
    public static Body stream(ReadStream<Buffer> source, long length, Runnable abort) {
        return new Body(null, source, length, onlyOnce(abort), null, null);
    }

    /**
     * Not a body but a switch of protocols: the writer sends the head (101) and hands the connection over.
     *
     * @param takeOver given the client's request once the head can be sent; completes when the new protocol ends
     */
    public static Body upgrade(Function<HttpServerRequest, Future<Void>> takeOver, Runnable abort) {
        return new Body(null, null, 0, onlyOnce(abort), takeOver, null);
    }

    /** The body when it is held whole, else null. */
    public Buffer whole() {
        return whole;
    }

    /** The stream to read when it is not held whole, else null. */
    public ReadStream<Buffer> stream() {
        return stream;
    }

    /** Its length in bytes, or -1 when unknown. */
    public long length() {
        return length;
    }

    /** The protocol switch this body stands for, or null. */
    public Function<HttpServerRequest, Future<Void>> upgrade() {
        return upgrade;
    }

    /** Nobody will read it: releases what produces it (for a stream, its upstream exchange is reset). */
    public void abort() {
        if (abort != null) {
            abort.run();
        }
    }

    /** The same body read through {@code transform} (a tap or an encoding), with a new length. */
    public Body through(ReadStream<Buffer> transformed, long length) {
        return new Body(null, transformed, length, abort, null, trailers);
    }

    /** The same body, ending with the trailer fields {@code trailers} gives once it has ended. */
    public Body withTrailers(Supplier<MultiMap> trailers) {
        return new Body(whole, stream, length, abort, upgrade, trailers);
    }

    /** The trailer fields sent after the body (read once it has ended), or null for none. */
    public MultiMap trailers() {
        return trailers == null ? null : trailers.get();
    }

    private static Runnable onlyOnce(Runnable abort) {
        if (abort == null) {
            return null;
        }
        boolean[] ran = {false};
        return () -> {
            if (!ran[0]) {
                ran[0] = true;
                abort.run();
            }
        };
    }
}
