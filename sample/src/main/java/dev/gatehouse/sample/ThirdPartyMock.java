package dev.gatehouse.sample;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A third-party API with hard quotas, as the async jobs' workers meet them (an LLM API, say): every window is a
 * sliding one (the strictest reading of "N per minute"), and a call that would cross any of them is refused with
 * 429 and {@code Retry-After}, and counted. Every call is counted by its {@code Idempotency-Key}, and deduplicated by
 * it as a careful API does: the first successful call with a key takes effect, a later one gets the same answer and
 * changes nothing, so a test (or a demo user) sees each job take effect once however often it was delivered. A body
 * containing {@code "poison"} always fails with 500.
 *
 * <ul>
 *   <li>{@code POST /third-party/generate}: 200 with the call's number for its key, or 429, or 500 for poison</li>
 *   <li>{@code GET /third-party/stats}: calls, refused (429s), keys, keys called more than once, the busiest each window saw</li>
 *   <li>{@code POST /third-party/reset}: forgets everything</li>
 * </ul>
 */
public final class ThirdPartyMock {

    /** One hard window: at most {@code limit} calls in any {@code window}. */
    public record Window(long limit, Duration window) {
        /** {@code 60/min}, {@code 600/hour}, {@code 20/s}, or {@code 100/10s}. */
        public static Window parse(String text) {
            String[] parts = text.trim().split("/");
            if (parts.length != 2) {
                throw new IllegalArgumentException("'" + text + "' is not a window such as 60/min");
            }
            String period = parts[1].trim();
            Duration window = switch (period) {
                case "s", "sec", "second" -> Duration.ofSeconds(1);
                case "m", "min", "minute" -> Duration.ofMinutes(1);
                case "h", "hour" -> Duration.ofHours(1);
                case "d", "day" -> Duration.ofDays(1);
                default -> {
                    if (!period.matches("\\d+(ms|s|m|h)")) {
                        throw new IllegalArgumentException("'" + text + "' has an unknown period '" + period + "'");
                    }
                    long n = Long.parseLong(period.replaceAll("\\D", ""));
                    String unit = period.replaceAll("\\d", "");
                    yield switch (unit) {
                        case "ms" -> Duration.ofMillis(n);
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        default -> Duration.ofHours(n);
                    };
                }
            };
            return new Window(Long.parseLong(parts[0].trim()), window);
        }

        public String text() {
            return limit + "/" + window.toMillis() + "ms";
        }
    }

    private final List<Window> windows;
    private final LongSupplier nanos;
    /** Calls that passed, per window, oldest first (nanosecond times). */
    private final List<Deque<Long>> passed = new ArrayList<>();
    private final long[] busiest;
    private final Map<String, AtomicLong> perKey = new ConcurrentHashMap<>();
    /** What the first successful call with each key answered: a later call with the key gets it again. */
    private final Map<String, String> effects = new ConcurrentHashMap<>();
    private long calls;
    private long refused;
    private long failed;

    /** @param nanos a monotonic clock in nanoseconds */
    public ThirdPartyMock(List<Window> windows, LongSupplier nanos) {
        this.windows = List.copyOf(windows);
        this.nanos = nanos;
        for (int i = 0; i < windows.size(); i++) {
            passed.add(new ArrayDeque<>());
        }
        this.busiest = new long[windows.size()];
    }

    /** A mock of its own on a free port of 127.0.0.1, answering under {@code /third-party}. */
    public static Future<HttpServer> listen(Vertx vertx, ThirdPartyMock mock) {
        Router router = Router.router(vertx);
        router.post("/third-party/*").handler(BodyHandler.create().setBodyLimit(1024 * 1024));
        mock.mount(router);
        return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1");
    }

    /** Adds the mock's endpoints to {@code router}, which reads request bodies before them (a {@link BodyHandler}). */
    public void mount(Router router) {
        router.post("/third-party/generate").handler(this::generate);
        router.get("/third-party/stats").handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(stats().encode()));
        router.post("/third-party/reset").handler(ctx -> {
            reset();
            ctx.response().setStatusCode(204).end();
        });
    }

    private void generate(RoutingContext ctx) {
        String body = ctx.body().buffer() == null ? "" : ctx.body().buffer().toString(StandardCharsets.UTF_8);
        String key = ctx.request().getHeader("idempotency-key");
        long retryAfterNanos = admit();
        if (retryAfterNanos > 0) {
            ctx.response().setStatusCode(429).putHeader("retry-after", Long.toString(Math.max(1, (retryAfterNanos + 999_999_999L) / 1_000_000_000L)))
                    .putHeader("content-type", "application/json").end(new JsonObject().put("error", "quota exceeded").encode());
            return;
        }
        if (key != null) {
            perKey.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        }
        if (body.contains("poison")) {
            synchronized (this) {
                failed++;
            }
            ctx.response().setStatusCode(500).putHeader("content-type", "application/json")
                    .end(new JsonObject().put("error", "this input always fails").encode());
            return;
        }
        String answer = new JsonObject().put("idempotencyKey", key).put("echo", body).encode();
        String first = key == null ? answer : effects.putIfAbsent(key, answer);
        if (first != null && key != null) {
            ctx.response().putHeader("idempotent-replayed", "true");
        }
        ctx.response().putHeader("content-type", "application/json").end(first == null ? answer : first);
    }

    /** Counts a call against every window: 0 when it passes, else the nanoseconds until it could (and it is refused). */
    synchronized long admit() {
        long now = nanos.getAsLong();
        long wait = 0;
        for (int i = 0; i < windows.size(); i++) {
            Deque<Long> log = passed.get(i);
            long span = windows.get(i).window().toNanos();
            while (!log.isEmpty() && now - log.peekFirst() >= span) {
                log.pollFirst();
            }
            if (log.size() >= windows.get(i).limit()) {
                wait = Math.max(wait, log.peekFirst() + span - now);
            }
        }
        if (wait > 0) {
            refused++;
            return wait;
        }
        calls++;
        for (int i = 0; i < windows.size(); i++) {
            passed.get(i).addLast(now);
            busiest[i] = Math.max(busiest[i], passed.get(i).size());
        }
        return 0;
    }

    public synchronized JsonObject stats() {
        long duplicates = 0;
        long keysOnce = 0;
        for (AtomicLong n : perKey.values()) {
            if (n.get() > 1) {
                duplicates++;
            } else {
                keysOnce++;
            }
        }
        JsonArray busiestWindows = new JsonArray();
        for (int i = 0; i < windows.size(); i++) {
            busiestWindows.add(new JsonObject().put("window", windows.get(i).text()).put("limit", windows.get(i).limit()).put("busiest", busiest[i]));
        }
        return new JsonObject().put("calls", calls).put("refused", refused).put("failed", failed).put("keys", perKey.size())
                .put("effects", effects.size()).put("keysCalledOnce", keysOnce).put("keysCalledMoreThanOnce", duplicates)
                .put("windows", busiestWindows);
    }

    /** How many calls passed with this idempotency key. */
    public long callsFor(String key) {
        AtomicLong n = perKey.get(key);
        return n == null ? 0 : n.get();
    }

    /** Keys whose job took effect (a first successful call). */
    public java.util.Set<String> effects() {
        return java.util.Set.copyOf(effects.keySet());
    }

    public synchronized void reset() {
        effects.clear();
        passed.forEach(Deque::clear);
        java.util.Arrays.fill(busiest, 0);
        perKey.clear();
        calls = 0;
        refused = 0;
        failed = 0;
    }
}
