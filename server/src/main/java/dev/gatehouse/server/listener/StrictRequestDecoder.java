package dev.gatehouse.server.listener;

import dev.gatehouse.core.http.RequestTarget;
import dev.gatehouse.server.pipeline.Problem;
import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Vert.x's HTTP/1.x request decoder, with these guards:
 * <ul>
 *   <li>Raw bytes above ASCII in the request target are percent-encoded once ({@link RequestTarget}), so
 *   routing, the cache and the upstream all read the same ASCII target instead of each decoding the
 *   bytes its own way (forwarded as text, they would be encoded a second time).</li>
 *   <li>A request carrying both {@code Content-Length} and {@code Transfer-Encoding} is refused instead
 *   of silently dropping {@code Content-Length}: a proxy that reads such a request one way while its
 *   upstream reads it the other is how requests get smuggled. The refusal reaches the server's
 *   invalid-request handler, which answers 400 and closes the connection.</li>
 *   <li>A request head must arrive whole within {@code headerTimeout} of its first bytes, else the
 *   client gets 408 and the connection is closed: the idle timeout alone lets a client that sends a
 *   header byte now and then hold a connection for ever. Only a head split across reads arms the
 *   timer, so requests whose head comes in one read (nearly all) pay nothing for it.</li>
 *   <li>A request body whose chunked framing cannot be parsed (a chunk size such as {@code zz}) gets a 400
 *   problem before the connection closes, when no answer to it or an earlier request is under way;
 *   Vert.x alone would close without a word. Otherwise the connection just closes, since the bytes of a
 *   second answer cannot follow a first one that has begun.</li>
 * </ul>
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {

    static final String MESSAGE = "the request has both Content-Length and Transfer-Encoding";

    private final long headerTimeoutNanos;
    private final Counter headerTimeouts;
    /** Whether the bytes decoded next belong to a request head (true between requests). */
    private boolean inHead = true;
    /** Heads decoded so far on this connection: a timer armed for one head ignores later ones. */
    private long heads;
    private ScheduledFuture<?> headTimer;
    /** Final answers (not 1xx) the connection has begun and ended writing, counted by {@link ResponseProgress}. */
    private long answersBegun;
    private long answersEnded;
    private final ResponseProgress progress = new ResponseProgress();

    private StrictRequestDecoder(HttpServerOptions options, Duration headerTimeout, Counter headerTimeouts) {
        super(options);
        this.headerTimeoutNanos = headerTimeout.toNanos();
        this.headerTimeouts = headerTimeouts;
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new IllegalArgumentException(MESSAGE);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        int from = out.size();
        boolean bytes = buffer.isReadable();
        super.decode(ctx, buffer, out);
        boolean ended = false;
        int lastHead = -1;
        for (int i = from; i < out.size(); i++) {
            Object decoded = out.get(i);
            if (decoded instanceof HttpRequest request) {
                // the target came a char per byte: raw bytes above ASCII become %XX once, before anything reads it
                String target = request.uri();
                String encoded = RequestTarget.encodeRawBytes(target);
                if (encoded != target) {
                    request.setUri(encoded);
                }
                inHead = false;
                heads++;
                lastHead = i;
                if (headTimer != null) {
                    headTimer.cancel(false);
                    headTimer = null;
                }
            } else if (decoded instanceof HttpContent content && content.decoderResult().isFailure()) {
                // the body's framing broke. A request whose head came in this read is dropped whole: no part of
                // it goes upstream. Vert.x sees the connection close, as when a client hangs up mid-body.
                Throwable cause = content.decoderResult().cause();
                for (int j = i; j >= (lastHead >= 0 ? lastHead : i); j--) {
                    ReferenceCountUtil.release(out.remove(j));
                }
                if (answerable()) {
                    answerAndClose(ctx, "400 Bad Request", Problem.of(400, "malformed-request", "Malformed request",
                            "the chunked request body could not be parsed" + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage())));
                } else {
                    ctx.close(); // an answer has begun: nothing else can be said on this connection
                }
                return;
            }
            if (decoded instanceof LastHttpContent) {
                inHead = true;
                ended = true;
            }
        }
        // part of a head came in this read and nothing ended in it: the rest must follow in time. (A read
        // that ends one request and begins the next does not arm it; the next head's following read will.)
        if (inHead && bytes && !ended && headTimer == null) {
            long head = heads;
            headTimer = ctx.executor().schedule(() -> timedOut(ctx, head), headerTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void timedOut(ChannelHandlerContext ctx, long armedAt) {
        headTimer = null;
        if (heads != armedAt || !inHead || !ctx.channel().isActive()) {
            return;
        }
        headerTimeouts.increment();
        answerAndClose(ctx, "408 Request Timeout", Problem.of(408, "request-header-timeout", "Request header timeout",
                "the request's head did not arrive whole within " + TimeUnit.NANOSECONDS.toMillis(headerTimeoutNanos) + " ms of its first bytes"));
    }

    /** Whether the request being read has no answer begun, and every earlier one has ended: a new answer may be written. */
    private boolean answerable() {
        return answersBegun == heads - 1 && answersEnded == answersBegun;
    }

    /** Writes a problem straight to the socket, below Vert.x (which has no request to answer it with), then closes. */
    private static void answerAndClose(ChannelHandlerContext ctx, String statusLine, Problem problem) {
        byte[] body = problem.json(null, null).getBytes(StandardCharsets.UTF_8);
        byte[] head = ("HTTP/1.1 " + statusLine + "\r\ncontent-type: application/problem+json\r\ncontent-length: " + body.length
                + "\r\nconnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(head, body)).addListener(ChannelFutureListener.CLOSE);
    }

    /** Counts the answers Vert.x writes on the connection, so the decoder knows when it may answer itself. */
    private final class ResponseProgress extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            boolean informational = false;
            if (msg instanceof HttpResponse response) {
                int code = response.status().code();
                informational = code < 200 && code != 101; // 100 Continue, 103 Early Hints: the answer is still to come
                if (!informational) {
                    answersBegun++;
                }
            }
            if (msg instanceof LastHttpContent && !informational) {
                answersEnded++;
            }
            super.write(ctx, msg, promise);
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        if (headTimer != null) {
            headTimer.cancel(false);
            headTimer = null;
        }
        super.handlerRemoved0(ctx);
    }

    /** Swaps the decoder of a freshly accepted HTTP/1.x connection; runs on its event loop before any byte is decoded. */
    static void install(HttpConnection connection, HttpServerOptions options, Duration headerTimeout, Counter headerTimeouts) {
        if (!(connection instanceof ConnectionBase base)) {
            return;
        }
        ChannelPipeline pipeline = base.channel().pipeline();
        if (pipeline.get("h2c") != null) {
            // a listener taking h2c with prior knowledge hands over an HTTP/1.1 connection while its first request
            // is being decoded: the decoder cannot be swapped then, so such a listener keeps Vert.x's own
            return;
        }
        ChannelHandler current = pipeline.get("httpDecoder");
        if (current instanceof VertxHttpRequestDecoder && !(current instanceof StrictRequestDecoder)) {
            StrictRequestDecoder decoder = new StrictRequestDecoder(options, headerTimeout, headerTimeouts);
            pipeline.replace("httpDecoder", "httpDecoder", decoder);
            // between Vert.x and the encoder, where answers are still messages
            pipeline.addAfter("httpEncoder", "answerProgress", decoder.progress);
        }
    }
}
