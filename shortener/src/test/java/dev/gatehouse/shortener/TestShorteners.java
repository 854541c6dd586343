package dev.gatehouse.shortener;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.core.time.ManualTicker;
import dev.gatehouse.testkit.RedisNamespace;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import dev.gatehouse.testkit.TestRedis;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Shortener instances for a test: a database of the test's own, optionally a Redis namespace of its own, and as
 * many instances as the test starts on them (each with its own Vert.x, pool and node id lease). Closing stops the
 * instances, then drops the database and the namespace's keys.
 */
final class TestShorteners implements AutoCloseable {
    static final String PUBLIC_URL = "http://sho.rt";

    final TestDatabase database = TestPostgres.newDatabase();
    final RedisNamespace namespace;
    private final List<ShortenerInstance> instances = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(2)).build();

    TestShorteners(boolean redis) {
        this.namespace = redis ? TestRedis.newNamespace() : null;
    }

    static ShortenerSettings settings() {
        // the timers' own schedules stay out of the way: tests flush and purge when they mean to
        return ShortenerSettings.defaults(PUBLIC_URL).withClickFlush(Duration.ofHours(1), 1_000_000)
                .withPurge(Duration.ofHours(1), Duration.ZERO, 1000);
    }

    ShortenerInstance start(String name, Clock clock) throws SQLException {
        return start(name, clock, settings());
    }

    ShortenerInstance start(String name, Clock clock, ShortenerSettings settings) throws SQLException {
        ShortenerInstance instance = ShortenerInstance.start(new ShortenerInstance.Options("127.0.0.1", 0, name, database.jdbcUrl(),
                namespace == null ? null : TestRedis.url(), namespace == null ? null : namespace.prefix(), 1, settings, clock,
                clock instanceof ManualTicker ticker ? ticker::advance : ShortenerInstance.PARK));
        instances.add(instance);
        return instance;
    }

    /**
     * Moves {@code clock} on by {@code by}, as time passing would: each instance's node id lease is renewed on the
     * way, as its timer would have done.
     */
    void advance(ManualTicker clock, Duration by) {
        clock.advance(by);
        for (ShortenerInstance instance : instances) {
            try {
                instance.shortener().renewLease();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** One HTTP exchange with an instance; {@code headers} as name, value pairs. */
    HttpResponse<String> call(ShortenerInstance instance, String method, String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.port() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("content-type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The caller headers the gateway would set for {@code subject}. */
    static String[] as(String subject) {
        return new String[]{"X-Gatehouse-Subject", subject};
    }

    static String[] asAdmin(String subject) {
        return new String[]{"X-Gatehouse-Subject", subject, "X-Gatehouse-Role", "admin"};
    }

    /** Creates a link as {@code subject} and returns the answer's JSON (asserting nothing). */
    HttpResponse<String> create(ShortenerInstance instance, String subject, JsonObject body) {
        return call(instance, "POST", "/api/v1/links", body.encode(), as(subject));
    }

    static JsonObject json(HttpResponse<String> response) {
        return new JsonObject(response.body());
    }

    static Map<String, String> link(String url) {
        return Map.of("url", url);
    }

    @Override
    public void close() {
        for (int i = instances.size() - 1; i >= 0; i--) {
            instances.get(i).close();
        }
        database.close();
        if (namespace != null) {
            namespace.close();
        }
    }
}
