package dev.gatehouse.core.config;

import java.time.Duration;

/**
 * HTTP/2 on the gateway listener: offered by ALPN over TLS, and without TLS to clients that speak it from their
 * first byte (h2c with prior knowledge) where {@code h2c} says so, within these limits.
 *
 * @param enabled offer h2 in the TLS handshake (ALPN); off, TLS clients speak HTTP/1.1
 * @param h2c accept HTTP/2 with prior knowledge on a plain listener (for gRPC clients inside a network)
 * @param maxConcurrentStreams requests one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS)
 * @param maxHeaderListBytes the largest header list a request may have (SETTINGS_MAX_HEADER_LIST_SIZE)
 * @param initialWindowBytes the flow-control window of each stream (SETTINGS_INITIAL_WINDOW_SIZE)
 * @param connectionWindowBytes the flow-control window of a whole connection
 * @param maxResetsPerWindow stream resets a client may cause within {@code resetWindow} before its connection is
 *                           closed: the rapid-reset attack (CVE-2023-44487) opens and cancels streams in a loop
 * @param resetWindow the window the resets are counted in
 */
public record Http2Config(boolean enabled, boolean h2c, int maxConcurrentStreams, int maxHeaderListBytes,
                          int initialWindowBytes, int connectionWindowBytes, int maxResetsPerWindow, Duration resetWindow) {

    public static final boolean DEFAULT_ENABLED = true;
    public static final boolean DEFAULT_H2C = false;
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 100;
    /** The spec's own initial window (RFC 9113 6.5.2). */
    public static final int DEFAULT_INITIAL_WINDOW_BYTES = 65_535;
    /** A connection's window: room for 16 streams' full windows, so one slow stream does not stall the rest. */
    public static final int DEFAULT_CONNECTION_WINDOW_BYTES = 1024 * 1024;
    public static final int DEFAULT_MAX_RESETS_PER_WINDOW = 200;
    public static final Duration DEFAULT_RESET_WINDOW = Duration.ofSeconds(30);

    /** The settings of a node whose file has no {@code gateway.http2}, for a header limit of {@code maxHeaderBytes}. */
    public static Http2Config defaults(int maxHeaderBytes) {
        return new Http2Config(DEFAULT_ENABLED, DEFAULT_H2C, DEFAULT_MAX_CONCURRENT_STREAMS, maxHeaderBytes,
                DEFAULT_INITIAL_WINDOW_BYTES, DEFAULT_CONNECTION_WINDOW_BYTES, DEFAULT_MAX_RESETS_PER_WINDOW, DEFAULT_RESET_WINDOW);
    }

    public Http2Config {
        Require.between("maxConcurrentStreams", maxConcurrentStreams, 1, 10_000);
        Require.atLeast("maxHeaderListBytes", maxHeaderListBytes, 1024);
        Require.between("initialWindowBytes", initialWindowBytes, 1024, Integer.MAX_VALUE);
        Require.between("connectionWindowBytes", connectionWindowBytes, 65_535, Integer.MAX_VALUE);
        Require.atLeast("maxResetsPerWindow", maxResetsPerWindow, 1);
        Require.positive("resetWindow", resetWindow);
    }
}
