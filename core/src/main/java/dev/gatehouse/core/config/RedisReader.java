package dev.gatehouse.core.config;

import java.time.Duration;

/** Reads {@code redis}; without a url the node runs without Redis. */
final class RedisReader {

    private RedisReader() {
    }

    static RedisConfig read(ConfigNode n) {
        String url = n.string("url", null);
        if (url != null && !(url.startsWith("redis://") || url.startsWith("rediss://"))) {
            n.problem("url", "must start with redis:// or rediss://, got '" + url + "'");
        }
        RedisConfig config = new RedisConfig(url,
                n.duration("timeout", RedisConfig.DEFAULT_TIMEOUT, Duration.ofMillis(1), Duration.ofSeconds(30)),
                n.integer("poolSize", RedisConfig.DEFAULT_POOL_SIZE, 1, 1000),
                n.string("keyPrefix", RedisConfig.DEFAULT_KEY_PREFIX));
        n.rejectUnknownKeys();
        return config;
    }
}
