package dev.gatehouse.cache;

import io.vertx.core.buffer.Buffer;

/**
 * How a {@link TwoLevelCache} turns values into the bytes Redis keeps, and how much memory a value holds
 * in process (the in-process level is bounded by the sum of these weights).
 */
public interface CacheCodec<V> {

    Buffer encode(V value);

    /** The value back from {@link #encode}; throws {@link IllegalArgumentException} on bytes it cannot read. */
    V decode(Buffer bytes);

    /** Approximate bytes the value holds in process. */
    int weigh(V value);
}
