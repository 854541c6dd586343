package dev.gatehouse.server;

import dev.gatehouse.core.config.InvalidConfigException;
import dev.gatehouse.server.config.ConfigLoader;
import io.vertx.core.Vertx;

import java.time.Duration;

/** Starting gateway nodes (and a trivial upstream) for tests that describe a node in YAML. */
public final class TestNodes {

    private TestNodes() {
    }

    /** A node from this YAML (no file is watched; the environment is ignored). */
    public static GatewayNode start(String yaml) {
        return start(yaml, dev.gatehouse.core.time.Clock.system());
    }

    /** A node from this YAML whose every timer and expiry runs by {@code clock}. */
    public static GatewayNode start(String yaml, dev.gatehouse.core.time.Clock clock) {
        ConfigLoader loader = new ConfigLoader(name -> null);
        try {
            return GatewayNode.start(loader.parse(yaml, "test.yaml"), new GatewayNode.Options(null, loader, Duration.ofSeconds(1), clock));
        } catch (InvalidConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** A public key as PEM, escaped to sit inside a double-quoted YAML string. */
    public static String yamlPem(java.security.KeyPair keys) {
        return "-----BEGIN PUBLIC KEY-----\\n" + java.util.Base64.getMimeEncoder().encodeToString(keys.getPublic().getEncoded())
                .replace("\r\n", "\\n") + "\\n-----END PUBLIC KEY-----";
    }

    /** An upstream answering every request with {@code ok}; returns its port. */
    public static int okUpstream(Vertx vertx) {
        return TestUpstream.await(vertx.createHttpServer().requestHandler(r -> r.response().end("ok")).listen(0, "127.0.0.1")).actualPort();
    }
}
