package dev.gatehouse.core.config;

import java.time.Duration;

/**
 * Redis settings; a {@code null} url means this node runs without Redis.
 *
 * @param timeout the longest a request waits on Redis before the route's failure policy applies
 * @param poolSize connections to Redis per node
 * @param keyPrefix put before every key Gatehouse writes, so several deployments can share a Redis
 */
public record RedisConfig(String url, Duration timeout, int poolSize, String keyPrefix) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(100);
    public static final int DEFAULT_POOL_SIZE = 16;
    public static final String DEFAULT_KEY_PREFIX = "gh:";

    public RedisConfig {
        Require.positive("timeout", timeout);
        Require.atLeast("poolSize", poolSize, 1);
        Require.notNull("keyPrefix", keyPrefix);
    }

    public boolean enabled() {
        return url != null;
    }

    @Override
    public String toString() {
        return "RedisConfig[url=" + (url == null ? null : url.replaceAll("//[^@/]*@", "//***@")) + ", timeout=" + timeout
                + ", poolSize=" + poolSize + ", keyPrefix=" + keyPrefix + "]";
    }
}
