package dev.gatehouse.server.cache;

import dev.gatehouse.server.pipeline.AttributeKey;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * Left on an exchange by the cache for the proxy: answers up to {@code maxBytes} with a Content-Length are
 * gathered (instead of streamed) and offered here before they are sent; errors may be answered with a
 * stale copy instead; and a background revalidation only feeds the cache, never the client.
 */
public interface ResponseTap {

    AttributeKey<ResponseTap> KEY = new AttributeKey<>("response-tap");

    long maxBytes();

    void offer(int status, MultiMap headers, Buffer body);

    /** True when the client already has its answer (a stale copy): the proxy then only feeds the cache. */
    default boolean clientAnswered() {
        return false;
    }

    /**
     * Called when the upstream fails (a 5xx answer, or the gateway's own 502/503/504): sends a stale copy
     * instead and returns its completion, or returns null when there is none to send.
     */
    default Future<Void> answerInsteadOfError(int status) {
        return null;
    }
}
