package dev.gatehouse.server.pipeline;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/** Recognises protocol upgrades among requests. */
public final class Upgrades {

    private Upgrades() {
    }

    /** A WebSocket handshake (or the attempt of one): {@code websocket} among the Upgrade tokens. */
    public static boolean isWebSocket(HttpServerRequest request) {
        String upgrade = request.getHeader(HttpHeaders.UPGRADE);
        if (upgrade == null) {
            return false;
        }
        for (String token : upgrade.split(",")) {
            if (token.trim().equalsIgnoreCase("websocket")) {
                return true;
            }
        }
        return false;
    }
}
