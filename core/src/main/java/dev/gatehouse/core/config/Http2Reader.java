package dev.gatehouse.core.config;

import java.time.Duration;

/** Reads {@code gateway.http2}: whether clients may speak HTTP/2, and its limits. */
final class Http2Reader {

    private Http2Reader() {
    }

    static Http2Config read(ConfigNode gateway, int maxHeaderBytes) {
        Http2Config defaults = Http2Config.defaults(maxHeaderBytes);
        if (!gateway.has("http2")) {
            return defaults;
        }
        if (!gateway.isMapping("http2")) {
            boolean enabled = gateway.bool("http2", true);
            return new Http2Config(enabled, false, defaults.maxConcurrentStreams(), defaults.maxHeaderListBytes(), defaults.initialWindowBytes(),
                    defaults.connectionWindowBytes(), defaults.maxResetsPerWindow(), defaults.resetWindow());
        }
        ConfigNode n = gateway.child("http2");
        Http2Config config = new Http2Config(
                n.bool("enabled", Http2Config.DEFAULT_ENABLED),
                n.bool("h2c", Http2Config.DEFAULT_H2C),
                n.integer("maxConcurrentStreams", Http2Config.DEFAULT_MAX_CONCURRENT_STREAMS, 1, 10_000),
                (int) n.bytes("maxHeaderListBytes", maxHeaderBytes, 1024, 1024 * 1024),
                (int) n.bytes("initialWindowBytes", Http2Config.DEFAULT_INITIAL_WINDOW_BYTES, 1024, Integer.MAX_VALUE),
                (int) n.bytes("connectionWindowBytes", Http2Config.DEFAULT_CONNECTION_WINDOW_BYTES, 65_535, Integer.MAX_VALUE),
                n.integer("maxResetsPerWindow", Http2Config.DEFAULT_MAX_RESETS_PER_WINDOW, 1, 1_000_000),
                n.duration("resetWindow", Http2Config.DEFAULT_RESET_WINDOW, Duration.ofSeconds(1), Duration.ofHours(1)));
        n.rejectUnknownKeys();
        return config;
    }
}
