package dev.gatehouse.testkit;

import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.UUID;

/**
 * The Redis server tests use: the one named by {@code GATEHOUSE_TEST_REDIS_URL}, otherwise an embedded
 * server started once per JVM on a free port. Tests isolate themselves with a {@link RedisNamespace}
 * (a key prefix) and delete only their own keys; nothing here ever flushes a database.
 */
public final class TestRedis {

    public static final String ENV = "GATEHOUSE_TEST_REDIS_URL";

    private static final Object LOCK = new Object();
    private static URI server;

    private TestRedis() {
    }

    /** {@code redis://host:port} of the test server. */
    public static String url() {
        URI uri = uri();
        return "redis://" + uri.getHost() + ":" + uri.getPort();
    }

    public static String host() {
        return uri().getHost();
    }

    public static int port() {
        return uri().getPort();
    }

    /** A fresh key prefix; closing the namespace deletes every key under it. */
    public static RedisNamespace newNamespace() {
        uri();
        return new RedisNamespace("gh-test:" + UUID.randomUUID().toString().substring(0, 13) + ":");
    }

    static URI uri() {
        synchronized (LOCK) {
            if (server == null) {
                String env = System.getenv(ENV);
                server = env != null && !env.isBlank() ? URI.create(env.trim()) : startEmbedded();
            }
            return server;
        }
    }

    private static URI startEmbedded() {
        try {
            int port;
            try (ServerSocket probe = new ServerSocket(0)) {
                port = probe.getLocalPort();
            }
            RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                    .setting("save \"\"").setting("appendonly no").build();
            redis.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    redis.stop();
                } catch (IOException ignored) {
                    // the JVM is exiting
                }
            }, "embedded-redis-stop"));
            return URI.create("redis://127.0.0.1:" + port);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded Redis for tests", e);
        }
    }
}
