package dev.gatehouse.core.config;

/** Redis settings; a {@code null} url means this node runs without Redis. */
public record RedisConfig(String url) {

    public boolean enabled() {
        return url != null;
    }
}
