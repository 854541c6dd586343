package dev.gatehouse.core.config;

import dev.gatehouse.core.config.RedisConfig.Mode;

import java.time.Duration;
import java.util.List;

/**
 * Reads {@code redis}: a standalone url (without one the node runs without Redis), a cluster's seed
 * nodes, or sentinels and a master name; a key that belongs to another mode is a problem, not ignored.
 */
final class RedisReader {

    private RedisReader() {
    }

    static RedisConfig read(ConfigNode n) {
        Mode mode = n.oneOf("mode", Mode.STANDALONE, Mode::configName, List.of(Mode.values()));
        String url = n.string("url", null);
        List<String> nodes = n.strings("nodes");
        List<String> sentinels = n.strings("sentinels");
        String masterName = n.string("masterName", null);
        switch (mode) {
            case STANDALONE -> {
                notInMode(n, mode, "nodes", !nodes.isEmpty());
                notInMode(n, mode, "sentinels", !sentinels.isEmpty());
                notInMode(n, mode, "masterName", masterName != null);
                checkUrl(n, "url", url);
            }
            case CLUSTER -> {
                notInMode(n, mode, "url", url != null);
                notInMode(n, mode, "sentinels", !sentinels.isEmpty());
                notInMode(n, mode, "masterName", masterName != null);
                required(n, mode, "nodes", nodes, "the cluster's seed nodes, e.g. [redis://10.0.0.1:6379, redis://10.0.0.2:6379]");
                nodes.forEach(node -> checkUrl(n, "nodes", node));
            }
            case SENTINEL -> {
                notInMode(n, mode, "url", url != null);
                notInMode(n, mode, "nodes", !nodes.isEmpty());
                required(n, mode, "sentinels", sentinels, "the sentinels, e.g. [redis://10.0.0.1:26379, redis://10.0.0.2:26379]");
                sentinels.forEach(sentinel -> checkUrl(n, "sentinels", sentinel));
                if (masterName == null) {
                    n.problem("masterName", "is required in sentinel mode: the name the sentinels monitor the master under");
                }
            }
        }
        String keyPrefix = n.string("keyPrefix", RedisConfig.DEFAULT_KEY_PREFIX);
        if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
            // a hash tag in the prefix would put every key of the deployment in one Cluster slot (one master)
            n.problem("keyPrefix", "must not contain '{' or '}', got '" + keyPrefix + "'");
        }
        RedisConfig config = new RedisConfig(mode, url, nodes, sentinels, masterName,
                n.duration("timeout", RedisConfig.DEFAULT_TIMEOUT, Duration.ofMillis(1), Duration.ofSeconds(30)),
                n.integer("poolSize", RedisConfig.DEFAULT_POOL_SIZE, 1, 1000),
                keyPrefix);
        n.rejectUnknownKeys();
        return config;
    }

    private static void checkUrl(ConfigNode n, String key, String url) {
        if (url != null && !(url.startsWith("redis://") || url.startsWith("rediss://"))) {
            n.problem(key, "must start with redis:// or rediss://, got '" + url + "'");
        }
    }

    private static void notInMode(ConfigNode n, Mode mode, String key, boolean present) {
        if (present) {
            n.problem(key, "does not apply in " + mode.configName() + " mode (redis.mode)");
        }
    }

    private static void required(ConfigNode n, Mode mode, String key, List<String> values, String what) {
        if (values.isEmpty()) {
            n.problem(key, "is required in " + mode.configName() + " mode: " + what);
        }
    }
}
