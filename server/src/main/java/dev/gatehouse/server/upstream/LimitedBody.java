package dev.gatehouse.server.upstream;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import dev.gatehouse.server.pipeline.ForwardingStream;

/**
 * A request body on its way upstream that fails the stream once more than {@code limit} bytes have
 * passed, so a chunked upload cannot exceed the route's body limit however it is framed.
 */
final class LimitedBody extends ForwardingStream {

    /** Raised (without a stack trace: it is a verdict, not a bug) when the body passes its limit. */
    static final class TooLarge extends RuntimeException {
        TooLarge() {
            super("request body exceeds its limit", null, false, false);
        }
    }

    private final long limit;
    private long seen;
    private boolean exceeded;
    private boolean clientFailed;
    private Handler<Throwable> exceptionHandler;

    LimitedBody(ReadStream<Buffer> source, long limit) {
        super(source);
        this.limit = limit;
    }

    boolean exceeded() {
        return exceeded;
    }

    /** Whether the client's side broke the body (its stream reset or its connection closed), not the limit or the target. */
    boolean clientFailed() {
        return clientFailed;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        this.exceptionHandler = handler;
        source.exceptionHandler(handler == null ? null : error -> {
            clientFailed = true;
            handler.handle(error);
        });
        return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
        if (handler == null) {
            source.handler(null);
            return this;
        }
        source.handler(chunk -> {
            if (exceeded) {
                return;
            }
            seen += chunk.length();
            if (seen > limit) {
                exceeded = true;
                source.pause();
                if (exceptionHandler != null) {
                    exceptionHandler.handle(new TooLarge());
                }
                return;
            }
            handler.handle(chunk);
        });
        return this;
    }
}
