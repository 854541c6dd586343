package dev.gatehouse.server.pipeline;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A body stream read through another: flow control (pause, resume, fetch) and, unless a subclass says
 * otherwise, every handler pass straight to the source. A subclass overrides what it looks at or changes on
 * the way: the chunks (a copy, a limit, an encoding), the end, the failure.
 */
public abstract class ForwardingStream implements ReadStream<Buffer> {
    protected final ReadStream<Buffer> source;

    protected ForwardingStream(ReadStream<Buffer> source) {
        this.source = source;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
        source.handler(handler);
        return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
        source.endHandler(endHandler);
        return this;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        source.exceptionHandler(handler);
        return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
        source.pause();
        return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
        source.resume();
        return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
        source.fetch(amount);
        return this;
    }
}
