package dev.gatehouse.server.cache;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import dev.gatehouse.server.pipeline.ForwardingStream;

import java.util.function.Consumer;

/**
 * An answer's body on its way to the client, copied for the cache as it passes. Its last chunk is held back
 * until the copy is stored, so a client never has an answer whole before a repeat of its request could find
 * it in the cache. The copy is bounded by the body's declared length (the cache stores only answers of known
 * length up to the route's {@code maxEntryBytes}); a body that runs past it is passed on but not stored.
 */
final class StoringStream extends ForwardingStream {
    private final long expected;
    private final Consumer<Buffer> store;
    private Buffer copy;
    private Buffer heldBack;
    private Handler<Buffer> handler;
    private Handler<Void> endHandler;

    /** @param store given the whole body once the source has ended with exactly {@code expected} bytes */
    StoringStream(ReadStream<Buffer> source, long expected, Consumer<Buffer> store) {
        super(source);
        this.expected = expected;
        this.store = store;
        this.copy = Buffer.buffer((int) expected);
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
        this.handler = handler;
        if (handler == null) {
            source.handler(null);
            return this;
        }
        source.handler(chunk -> {
            if (copy != null) {
                if (copy.length() + chunk.length() > expected) {
                    copy = null; // longer than it said: pass it on, never store it
                } else {
                    copy.appendBuffer(chunk);
                }
            }
            Buffer previous = heldBack;
            heldBack = chunk;
            if (previous != null) {
                this.handler.handle(previous);
            }
        });
        return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
        this.endHandler = endHandler;
        source.endHandler(v -> {
            if (copy != null && copy.length() == expected) {
                store.accept(copy);
            }
            if (heldBack != null && handler != null) {
                Buffer last = heldBack;
                heldBack = null;
                handler.handle(last);
            }
            if (this.endHandler != null) {
                this.endHandler.handle(null);
            }
        });
        return this;
    }




}
