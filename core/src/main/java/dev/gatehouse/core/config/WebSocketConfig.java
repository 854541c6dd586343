package dev.gatehouse.core.config;

import java.time.Duration;

/**
 * A route's WebSocket upgrades: without one, a route refuses them (400) rather than passing a handshake on
 * as a plain request. Auth and rate limits apply to the handshake like to any request.
 *
 * @param idleTimeout a tunnel with no byte in either direction for this long is closed
 * @param maxDuration a tunnel is closed this long after its handshake, however busy
 */
public record WebSocketConfig(Duration idleTimeout, Duration maxDuration) {

    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    public static final Duration DEFAULT_MAX_DURATION = Duration.ofHours(24);

    public WebSocketConfig {
        Require.positive("idleTimeout", idleTimeout);
        Require.positive("maxDuration", maxDuration);
    }
}
