package dev.gatehouse.server;

import dev.gatehouse.core.config.InvalidConfigException;
import dev.gatehouse.core.time.Ticker;
import dev.gatehouse.server.config.ConfigLoader;
import dev.gatehouse.testkit.TestDatabase;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real gateway node for a test: its configuration file in a temporary directory (ephemeral ports,
 * the test's own database, the access log in a file), plus an HTTP client to talk to it.
 */
final class GatewayHarness implements AutoCloseable {
    private final Path dir;
    private final Path configFile;
    private final Path accessLog;
    private final TestDatabase database;
    private final String gatewaySettings;
    private final GatewayNode node;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private GatewayHarness(TestDatabase database, String gatewaySettings, String body, Ticker ticker) throws IOException, InvalidConfigException {
        this.database = database;
        this.gatewaySettings = gatewaySettings;
        this.dir = Files.createTempDirectory("gatehouse-test");
        this.configFile = dir.resolve("gatehouse.yaml");
        this.accessLog = dir.resolve("access.log");
        Files.writeString(configFile, yaml(body));
        ConfigLoader loader = new ConfigLoader(name -> null);
        node = GatewayNode.start(loader.load(configFile),
                new GatewayNode.Options(configFile, loader, Duration.ofMillis(50), dev.gatehouse.core.time.Clock.of(ticker)));
    }

    static GatewayHarness start(TestDatabase database, String body) {
        return start(database, "", body, Ticker.system());
    }

    /** {@code gatewaySettings} are extra YAML lines under {@code gateway:}, indented by two spaces. */
    static GatewayHarness start(TestDatabase database, String gatewaySettings, String body, Ticker ticker) {
        try {
            return new GatewayHarness(database, gatewaySettings, body, ticker);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InvalidConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private String yaml(String body) {
        return yaml(gatewaySettings, body);
    }

    private String yaml(String gatewaySettings, String body) {
        // loopback, a free port and two event loops, unless the test's settings say otherwise
        StringBuilder gateway = new StringBuilder("gateway:\n");
        for (String line : List.of("  host: 127.0.0.1", "  port: 0", "  instances: 2")) {
            if (!gatewaySettings.contains(line.substring(0, line.indexOf(':') + 1))) {
                gateway.append(line).append('\n');
            }
        }
        // a test that configures the admin listener itself gives it a free port too
        return gateway + gatewaySettings
                + (body.startsWith("admin:") || body.contains("\nadmin:") ? "" : "admin:\n  port: 0\n")
                + "storage:\n  postgres:\n    url: \"" + database.jdbcUrl() + "\"\n    poolSize: 2\n"
                + "observability:\n  accessLog: " + accessLog + "\n"
                + body;
    }

    /** Replaces the routes and upstreams in the watched file; the node picks it up on its next poll. */
    void rewrite(String body) {
        replace(yaml(body));
    }

    /** Replaces the file whole, as editors and Kubernetes ConfigMaps do: never seen half-written. */
    private void replace(String content) {
        try {
            Path next = Files.createTempFile(dir, "gatehouse", ".yaml.tmp");
            Files.writeString(next, content);
            Files.move(next, configFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As {@link #rewrite(String)}, with other lines under {@code gateway:} than the node started with. */
    void rewrite(String gatewaySettings, String body) {
        replace(yaml(gatewaySettings, body));
    }

    void writeRaw(String content) {
        replace(content);
    }

    GatewayNode node() {
        return node;
    }

    int port() {
        return node.gatewayPort();
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + node.gatewayPort() + pathAndQuery);
    }

    HttpResponse<String> get(String pathAndQuery, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build());
    }

    HttpResponse<String> send(HttpRequest request) {
        return send(request, HttpResponse.BodyHandlers.ofString());
    }

    <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> admin(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + path)).build());
    }

    List<String> accessLogLines() {
        try {
            return Files.exists(accessLog) ? Files.readAllLines(accessLog) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        node.close();
    }
}
