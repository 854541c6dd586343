package dev.gatehouse.core.config;

import java.time.Duration;
import java.util.List;

/**
 * Redis settings. In {@link Mode#STANDALONE} a {@code null} url means this node runs without Redis; a
 * cluster is reached through its seed {@code nodes}, a Sentinel-watched master through its
 * {@code sentinels} and {@code masterName}. Every Redis user in a node goes through the one client
 * these settings make, so each feature works the same in every mode.
 *
 * @param mode how Redis is deployed
 * @param url the server in standalone mode (null there: no Redis)
 * @param nodes cluster mode: seed nodes ({@code redis://host:port}); the client learns the rest
 * @param sentinels sentinel mode: the sentinels ({@code redis://host:port}) asked for the current master
 * @param masterName sentinel mode: the name the sentinels monitor the master under
 * @param timeout the longest a request waits on Redis before the route's failure policy applies
 * @param poolSize connections to Redis per node
 * @param keyPrefix put before every key Gatehouse writes, so several deployments can share a Redis
 */
public record RedisConfig(Mode mode, String url, List<String> nodes, List<String> sentinels, String masterName,
                          Duration timeout, int poolSize, String keyPrefix) {

    /** How Redis is deployed. */
    public enum Mode {
        STANDALONE, CLUSTER, SENTINEL;

        /** As written in the config file. */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(100);
    public static final int DEFAULT_POOL_SIZE = 16;
    public static final String DEFAULT_KEY_PREFIX = "gh:";

    public RedisConfig {
        Require.notNull("mode", mode);
        Require.positive("timeout", timeout);
        Require.atLeast("poolSize", poolSize, 1);
        Require.notNull("keyPrefix", keyPrefix);
        nodes = List.copyOf(nodes);
        sentinels = List.copyOf(sentinels);
    }

    /** A standalone server at {@code url} (null: no Redis). */
    public RedisConfig(String url, Duration timeout, int poolSize, String keyPrefix) {
        this(Mode.STANDALONE, url, List.of(), List.of(), null, timeout, poolSize, keyPrefix);
    }

    public boolean enabled() {
        return mode != Mode.STANDALONE || url != null;
    }

    /** The addresses the client starts from: the url, the cluster's seed nodes, or the sentinels. */
    public List<String> endpoints() {
        return switch (mode) {
            case STANDALONE -> url == null ? List.of() : List.of(url);
            case CLUSTER -> nodes;
            case SENTINEL -> sentinels;
        };
    }

    @Override
    public String toString() {
        return "RedisConfig[mode=" + mode.configName() + ", endpoints=" + endpoints().stream().map(RedisConfig::masked).toList()
                + (masterName == null ? "" : ", masterName=" + masterName) + ", timeout=" + timeout
                + ", poolSize=" + poolSize + ", keyPrefix=" + keyPrefix + "]";
    }

    private static String masked(String url) {
        return url.replaceAll("//[^@/]*@", "//***@");
    }
}
