package dev.gatehouse.core.config;

import java.time.Duration;

/** Reads a route's {@code websocket}: {@code true}, or a mapping of its timeouts; absent or {@code false} refuses upgrades. */
final class WebSocketReader {

    private WebSocketReader() {
    }

    /** The route's WebSocket settings, or null when it refuses upgrades. */
    static WebSocketConfig read(ConfigNode r) {
        if (!r.has("websocket")) {
            return null;
        }
        if (!r.isMapping("websocket")) {
            return r.bool("websocket", false)
                    ? new WebSocketConfig(WebSocketConfig.DEFAULT_IDLE_TIMEOUT, WebSocketConfig.DEFAULT_MAX_DURATION) : null;
        }
        ConfigNode n = r.child("websocket");
        WebSocketConfig config = new WebSocketConfig(
                n.duration("idleTimeout", WebSocketConfig.DEFAULT_IDLE_TIMEOUT, Duration.ofSeconds(1), Duration.ofDays(1)),
                n.duration("maxDuration", WebSocketConfig.DEFAULT_MAX_DURATION, Duration.ofSeconds(1), Duration.ofDays(30)));
        n.rejectUnknownKeys();
        return config;
    }
}
