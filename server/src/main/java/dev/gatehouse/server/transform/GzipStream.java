package dev.gatehouse.server.transform;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import dev.gatehouse.server.pipeline.ForwardingStream;

/** A body stream read through gzip: each chunk compressed (and flushed) as it passes, the trailer at its end. */
final class GzipStream extends ForwardingStream {
    private final Gzip gzip;
    private Handler<Buffer> handler;
    private Handler<Void> endHandler;
    private Handler<Throwable> exceptionHandler;

    GzipStream(ReadStream<Buffer> source, int level) {
        super(source);
        this.gzip = new Gzip(level);
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
        this.handler = handler;
        source.handler(handler == null ? null : chunk -> this.handler.handle(gzip.piece(chunk)));
        return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
        this.endHandler = endHandler;
        source.endHandler(v -> {
            Buffer last = gzip.finish();
            if (handler != null) {
                handler.handle(last);
            }
            if (this.endHandler != null) {
                this.endHandler.handle(null);
            }
        });
        return this;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        this.exceptionHandler = handler;
        source.exceptionHandler(error -> {
            gzip.abandon();
            if (exceptionHandler != null) {
                exceptionHandler.handle(error);
            }
        });
        return this;
    }



}
