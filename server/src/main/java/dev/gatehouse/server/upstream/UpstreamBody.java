package dev.gatehouse.server.upstream;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.streams.ReadStream;

/**
 * An upstream answer's body as the chain passes it on: the upstream's stream, paused until someone reads it,
 * that also tells the proxy when the exchange is over (its last byte, or a failure), so the connection slot
 * is freed whoever reads the body and however far.
 */
final class UpstreamBody implements ReadStream<Buffer> {
    private final HttpClientResponse source;
    private final Runnable over;
    private Handler<Void> endHandler;
    private Handler<Throwable> exceptionHandler;

    /** @param over runs once the upstream exchange has ended or failed */
    UpstreamBody(HttpClientResponse source, Runnable over) {
        this.source = source;
        this.over = over;
        source.pause();
        source.endHandler(v -> {
            over.run();
            if (endHandler != null) {
                endHandler.handle(null);
            }
        });
        source.exceptionHandler(error -> {
            over.run();
            if (exceptionHandler != null) {
                exceptionHandler.handle(error);
            }
        });
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        this.exceptionHandler = handler;
        return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
        source.handler(handler);
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

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> handler) {
        this.endHandler = handler;
        return this;
    }
}
