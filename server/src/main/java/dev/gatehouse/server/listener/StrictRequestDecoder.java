package dev.gatehouse.server.listener;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Vert.x's HTTP/1.x request decoder, except that a request carrying both {@code Content-Length} and
 * {@code Transfer-Encoding} is refused instead of silently dropping {@code Content-Length}: a proxy that
 * reads such a request one way while its upstream reads it the other is how requests get smuggled.
 * The refusal reaches the server's invalid-request handler, which answers 400 and closes the connection.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {

    static final String MESSAGE = "the request has both Content-Length and Transfer-Encoding";

    private StrictRequestDecoder(HttpServerOptions options) {
        super(options);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new IllegalArgumentException(MESSAGE);
    }

    /** Swaps the decoder of a freshly accepted HTTP/1.x connection; runs on its event loop before any byte is decoded. */
    static void install(HttpConnection connection, HttpServerOptions options) {
        if (!(connection instanceof ConnectionBase base)) {
            return;
        }
        ChannelPipeline pipeline = base.channel().pipeline();
        ChannelHandler current = pipeline.get("httpDecoder");
        if (current instanceof VertxHttpRequestDecoder && !(current instanceof StrictRequestDecoder)) {
            pipeline.replace("httpDecoder", "httpDecoder", new StrictRequestDecoder(options));
        }
    }
}
