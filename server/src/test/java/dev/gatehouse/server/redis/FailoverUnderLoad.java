package dev.gatehouse.server.redis;

import dev.gatehouse.server.GatewayNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Steady load on one caller of {@link #ROUTES}' {@code /closed} route (fails closed, counts up to a million
 * a day in a fixed window) while Redis loses its master: waits for the failure policy to answer, then for
 * exact decisions to come back with no one's help, and measures what went by in between.
 */
final class FailoverUnderLoad {

    static final String ROUTES = """
              - name: closed
                match: {prefix: /closed}
                upstream: svc
                rateLimit: {mode: exact, algorithm: fixed-window, limits: [1000000/day], onRedisFailure: closed}
              - name: exact
                match: {prefix: /exact}
                upstream: svc
                rateLimit: {mode: exact, limits: [5/day]}
            """;
    static final String CALLER = "198.51.100.9";

    /** What went by: measured with System.nanoTime, for the record only (nothing is asserted on time). */
    record Figures(long byFailurePolicy, long millisToLastFailure, long exact, long countedBeforeKill, long countedAfter) {
        /** Lost writes when above 0; decisions Redis counted whose answer was lost (answered by the policy) when below. */
        long lostWrites() {
            return countedBeforeKill - (countedAfter - 1);
        }

        @Override
        public String toString() {
            return "%d decisions by onRedisFailure (closed: 503) over %d ms from the kill to the last of them; %d exact; counted %d before "
                    .formatted(byFailurePolicy, millisToLastFailure, exact, countedBeforeKill)
                    + "the kill, %d at the first decision after it (lost writes if above 0, counted decisions whose answer was lost if below: %d)"
                    .formatted(countedAfter, lostWrites());
        }
    }

    interface Kill {
        void run() throws Exception;
    }

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private FailoverUnderLoad() {
    }

    static Figures run(List<GatewayNode> nodes, Kill kill) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong killedAt = new AtomicLong();
        AtomicLong lastRefusedAt = new AtomicLong();
        AtomicLong byFailurePolicy = new AtomicLong();
        AtomicLong exact = new AtomicLong();
        // the count Redis reported (limit - remaining): the highest before the kill, the lowest after it
        AtomicLong countedBeforeKill = new AtomicLong();
        AtomicLong countedAfter = new AtomicLong(Long.MAX_VALUE);
        List<String> unexpected = new CopyOnWriteArrayList<>();
        ExecutorService load = Executors.newFixedThreadPool(4);
        for (int c = 0; c < 4; c++) {
            GatewayNode target = nodes.get(c % nodes.size());
            load.submit(() -> {
                while (running.get()) {
                    HttpResponse<String> r = get(target, "/closed");
                    if (r.statusCode() == 200) {
                        exact.incrementAndGet();
                        long counted = 1_000_000 - Long.parseLong(r.headers().firstValue("x-ratelimit-remaining").orElseThrow());
                        if (killedAt.get() == 0) {
                            countedBeforeKill.accumulateAndGet(counted, Math::max);
                        } else if (byFailurePolicy.get() > 0) {
                            countedAfter.accumulateAndGet(counted, Math::min);
                        }
                    } else if (r.statusCode() == 503 && r.body().contains("urn:gatehouse:problem:rate-limiter-unavailable")) {
                        byFailurePolicy.incrementAndGet();
                        lastRefusedAt.set(System.nanoTime());
                    } else {
                        unexpected.add(r.statusCode() + " " + r.body());
                    }
                }
                return null;
            });
        }
        try {
            await().until(() -> exact.get() > 200);
            killedAt.set(System.nanoTime());
            kill.run();
            await("the failure policy applies").atMost(Duration.ofSeconds(30)).until(() -> byFailurePolicy.get() > 0);
            long beforeRecovery = exact.get();
            await("exact decisions again, with no one's help").atMost(Duration.ofSeconds(60)).until(() -> exact.get() > beforeRecovery + 200);
        } finally {
            running.set(false);
            load.shutdown();
        }
        assertThat(unexpected).as("every answer is an exact decision or the failure policy's").isEmpty();
        return new Figures(byFailurePolicy.get(), (lastRefusedAt.get() - killedAt.get()) / 1_000_000, exact.get(),
                countedBeforeKill.get(), countedAfter.get());
    }

    /** After the failover, a fresh caller gets exactly its 5 over both nodes. */
    static void assertExactAgain(List<GatewayNode> nodes) {
        List<Integer> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            statuses.add(get(nodes.get(i % nodes.size()), "/exact", "203.0.113.99").statusCode());
        }
        assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 429, 429, 429, 429, 429);
    }

    static HttpResponse<String> get(GatewayNode node, String path) {
        return get(node, path, CALLER);
    }

    private static HttpResponse<String> get(GatewayNode node, String path, String caller) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.gatewayPort() + path))
                    .header("X-Forwarded-For", caller).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
