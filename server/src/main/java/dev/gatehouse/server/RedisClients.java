package dev.gatehouse.server;

import dev.gatehouse.core.config.RedisConfig;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisReplicas;
import io.vertx.redis.client.RedisRole;

/**
 * The Vert.x Redis client settings for {@code redis}, in each mode: every Redis user of a node (rate
 * limiters, the cache's shared level, the invalidation feed) is built from these, so a feature cannot
 * work in one mode and miss another.
 */
final class RedisClients {
    private RedisClients() {
    }

    static RedisOptions options(RedisConfig redis) {
        RedisOptions options = new RedisOptions().setMaxPoolSize(redis.poolSize()).setMaxPoolWaiting(redis.poolSize() * 256);
        return switch (redis.mode()) {
            case STANDALONE -> options.setType(RedisClientType.STANDALONE).setConnectionString(redis.url());
            // replicas lag behind their master: a limiter must read what it just wrote, so everything goes to masters
            case CLUSTER -> options.setType(RedisClientType.CLUSTER).setEndpoints(redis.nodes()).setUseReplicas(RedisReplicas.NEVER);
            // autoFailover: connections follow the master the sentinels promote instead of failing until reconnected
            case SENTINEL -> options.setType(RedisClientType.SENTINEL).setEndpoints(redis.sentinels())
                    .setMasterName(redis.masterName()).setRole(RedisRole.MASTER).setAutoFailover(true);
        };
    }
}
