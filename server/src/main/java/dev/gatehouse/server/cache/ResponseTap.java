package dev.gatehouse.server.cache;

import dev.gatehouse.server.pipeline.AttributeKey;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * Left on an exchange by the cache for the proxy: answers up to {@code maxBytes} with a Content-Length are
 * gathered (instead of streamed) and offered here before they are sent.
 */
public interface ResponseTap {

    AttributeKey<ResponseTap> KEY = new AttributeKey<>("response-tap");

    long maxBytes();

    void offer(int status, MultiMap headers, Buffer body);
}
