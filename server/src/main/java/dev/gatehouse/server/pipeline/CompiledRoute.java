package dev.gatehouse.server.pipeline;

import dev.gatehouse.core.config.RouteConfig;

/** A route ready to serve: its configuration and the filter chain built for it at load time. */
public final class CompiledRoute {
    private final String name;
    private final RouteConfig config;
    private final Chain chain;

    public CompiledRoute(String name, RouteConfig config, Chain chain) {
        this.name = name;
        this.config = config;
        this.chain = chain;
    }

    /** The route's name; {@code "none"} for requests no route matched. */
    public String name() {
        return name;
    }

    /** The route's configuration, or {@code null} for the built-in "no route" route. */
    public RouteConfig config() {
        return config;
    }

    public Chain chain() {
        return chain;
    }
}
