package dev.gatehouse.server.upstream;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.streams.ReadStream;
import dev.gatehouse.server.pipeline.ForwardingStream;

/**
 * An upstream answer's body as the chain passes it on: the upstream's stream, paused until someone reads it,
 * that also tells the proxy when the exchange is over (its last byte, or a failure), so the connection slot
 * is freed whoever reads the body and however far.
 */
final class UpstreamBody extends ForwardingStream {
    private final Runnable over;
    private Handler<Void> endHandler;
    private Handler<Throwable> exceptionHandler;

    /** @param over runs once the upstream exchange has ended or failed */
    UpstreamBody(HttpClientResponse source, Runnable over) {
        super(source);
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
    public ReadStream<Buffer> endHandler(Handler<Void> handler) {
        this.endHandler = handler;
        return this;
    }
}
