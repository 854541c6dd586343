package dev.gatehouse.server.pipeline;

import io.vertx.core.Future;

/**
 * On a route that does not take WebSockets, refuses a handshake with 400 instead of passing it on: with
 * its Upgrade header dropped (it is hop-by-hop) it would reach the upstream as a plain GET, and the
 * client would get a 200 where it asked for a 101.
 */
public final class WebSocketGate implements Filter {
    private final String route;

    public WebSocketGate(String route) {
        this.route = route;
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        if (!Upgrades.isWebSocket(exchange.request())) {
            return chain.proceed(exchange);
        }
        return Problem.of(400, "websocket-not-allowed", "WebSocket not allowed",
                "route '" + route + "' does not accept WebSocket upgrades (a route takes them with websocket: true)").answerAndClose(exchange);
    }
}
