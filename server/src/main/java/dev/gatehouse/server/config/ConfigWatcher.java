package dev.gatehouse.server.config;

import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.core.config.InvalidConfigException;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Watches the configuration file by polling its content (robust to editors that replace files and to
 * Kubernetes ConfigMap symlink swaps). A change counts once the file reads the same on two polls in a
 * row, so a file caught mid-write is never loaded. A valid change is handed on; an invalid one is logged with every
 * problem and ignored, so the running configuration keeps serving.
 */
public final class ConfigWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

    private final Vertx vertx;
    private final Path file;
    private final ConfigLoader loader;
    private final Duration interval;
    private final Consumer<GatewayConfig> onChange;
    private final Runnable onRefused;
    private byte[] lastDigest;
    private byte[] pendingDigest;
    private long timer = -1;

    public ConfigWatcher(Vertx vertx, Path file, ConfigLoader loader, Duration interval, Consumer<GatewayConfig> onChange,
                         Runnable onRefused) {
        this.vertx = vertx;
        this.file = file;
        this.loader = loader;
        this.interval = interval;
        this.onChange = onChange;
        this.onRefused = onRefused;
    }

    public void start() {
        byte[] content = read();
        lastDigest = content == null ? null : digest(content);
        timer = vertx.setPeriodic(interval.toMillis(), id -> vertx.executeBlocking(this::poll, false));
    }

    /** Loads the file as it is now, without comparing it to the last version. */
    public GatewayConfig loadNow() throws InvalidConfigException {
        return loader.load(file);
    }

    private Void poll() {
        byte[] content = read();
        byte[] digest = content == null ? null : digest(content);
        if (digest == null || Arrays.equals(digest, lastDigest)) {
            pendingDigest = null;
            return null;
        }
        if (!Arrays.equals(digest, pendingDigest)) {
            // the file may be half-written: act only once it reads the same on two polls in a row
            pendingDigest = digest;
            return null;
        }
        lastDigest = digest;
        pendingDigest = null;
        try {
            // the bytes that were compared, not a second read: the file may be rewritten again meanwhile
            onChange.accept(loader.parse(new String(content, StandardCharsets.UTF_8), file.toString()));
        } catch (InvalidConfigException e) {
            log.error("configuration change refused, the previous configuration stays in effect. {}", e.getMessage());
            onRefused.run();
        } catch (RuntimeException e) {
            log.error("configuration change could not be applied, the previous configuration stays in effect", e);
            onRefused.run();
        }
        return null;
    }

    private byte[] read() {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] digest(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }
}
