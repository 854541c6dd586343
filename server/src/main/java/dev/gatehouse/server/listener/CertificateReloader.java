package dev.gatehouse.server.listener;

import dev.gatehouse.core.config.TlsConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.ServerSSLOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Reloads the listener's certificates from disk without a restart: the certificate, key and client-CA files are
 * polled by content (as the configuration file is: robust to files replaced whole and to Kubernetes secret
 * symlink swaps) and, once they read the same on two polls in a row (a file caught mid-copy is never loaded),
 * the new ones are handed to every instance of the running listener. New connections get the new certificate;
 * connections already open keep the one they agreed on. A set of files that does not load (a key that does not
 * match its certificate) is logged and refused, and the listener keeps serving the old ones.
 */
public final class CertificateReloader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CertificateReloader.class);

    private final Vertx vertx;
    private final List<Path> files;
    private final ServerSSLOptions options;
    private final Supplier<List<HttpServer>> servers;
    private final Duration interval;
    private final Counter applied;
    private final Counter refused;
    private byte[] lastDigest;
    private byte[] pendingDigest;
    private long timer = -1;

    /** Which listener's certificates a reloader watches: each has its own reload meter. */
    public enum Listener {
        GATEWAY, ADMIN;

        Counter.Builder reloads() {
            return this == GATEWAY ? Counter.builder("gatehouse.gateway.tls.reloads") : Counter.builder("gatehouse.admin.tls.reloads");
        }
    }

    /** @param servers the listener's running instances, each of which is handed the new certificates */
    public CertificateReloader(Vertx vertx, Listener listener, TlsConfig tls, boolean alpn, Supplier<List<HttpServer>> servers,
                               Duration interval, MeterRegistry registry) {
        this.vertx = vertx;
        this.files = ListenerTls.files(tls);
        this.options = ListenerTls.sslOptions(tls, alpn);
        this.servers = servers;
        this.interval = interval;
        String description = "Certificate files of the " + listener.name().toLowerCase(java.util.Locale.ROOT)
                + " listener that changed on disk, by whether they loaded";
        this.applied = listener.reloads().tag("result", "applied").description(description).register(registry);
        this.refused = listener.reloads().tag("result", "refused").description(description).register(registry);
    }

    public void start() {
        lastDigest = digest();
        timer = vertx.setPeriodic(interval.toMillis(), id -> vertx.executeBlocking(this::poll, true)
                .onFailure(error -> log.warn("could not check the certificate files for changes: {}", error.toString())));
    }

    private Void poll() {
        byte[] digest = digest();
        if (digest == null || Arrays.equals(digest, lastDigest)) {
            pendingDigest = null;
            return null;
        }
        if (!Arrays.equals(digest, pendingDigest)) {
            pendingDigest = digest;
            return null;
        }
        lastDigest = digest;
        pendingDigest = null;
        List<Future<Boolean>> updates = new ArrayList<>();
        for (HttpServer server : servers.get()) {
            // force: the paths are the same as before, only what they hold changed
            updates.add(server.updateSSLOptions(options, true));
        }
        Future.all(updates).onComplete(done -> {
            if (done.succeeded()) {
                applied.increment();
                log.info("TLS certificates reloaded from {}: new connections get them", files);
            } else {
                refused.increment();
                log.error("TLS certificates in {} changed but do not load, the listener keeps the previous ones: {}", files,
                        done.cause().toString());
            }
        });
        return null;
    }

    /** One digest of every file's content, or null while one cannot be read (it may be being replaced). */
    private byte[] digest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path file : files) {
                sha.update(Files.readAllBytes(file));
                sha.update((byte) 0);
            }
            return sha.digest();
        } catch (IOException e) {
            return null;
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
