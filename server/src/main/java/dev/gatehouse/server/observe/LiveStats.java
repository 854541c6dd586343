package dev.gatehouse.server.observe;

import dev.gatehouse.core.time.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * This node's traffic second by second, read off its own meters (nothing on the request path changes): requests,
 * 5xx, 429s, cache hits, latency percentiles, open connections and upstream targets usable, for the whole node and per route. The last
 * fifteen minutes are kept ({@value #KEPT} samples) so a dashboard can draw them at once, and each new sample
 * goes to the streams watching, at most {@value #MAX_WATCHERS} at a time.
 */
public final class LiveStats implements AutoCloseable {
    /** Samples kept: fifteen minutes at one a second. */
    public static final int KEPT = 900;
    /** Streams that may watch at once; one more is refused. */
    public static final int MAX_WATCHERS = 64;
    /** Other nodes whose samples are kept; the one heard from least recently gives way. */
    public static final int MAX_NODES = 32;
    static final long PERIOD_MS = 1000;

    private final Vertx vertx;
    private final MeterRegistry meters;
    private final String nodeId;
    private final Clock clock;
    private final ArrayDeque<Sample> kept = new ArrayDeque<>(KEPT);
    private final List<Consumer<Sample>> watchers = new CopyOnWriteArrayList<>();
    /** Other nodes' samples as they arrive (see {@link #received}), at most {@value #MAX_NODES} nodes, each its last {@value #KEPT}. */
    private final Map<String, ArrayDeque<Sample>> others = new LinkedHashMap<>();
    private final Map<String, List<Consumer<Sample>>> otherWatchers = new ConcurrentHashMap<>();
    private final AtomicInteger watching = new AtomicInteger();
    private final Counter refused;
    /** Each meter's reading at the last sample, to take the next one's differences from. */
    private Map<Meter.Id, double[]> previous = new HashMap<>();
    private long previousNanos;
    private long timer = -1;
    private Sample last;
    private volatile Consumer<Sample> outward;

    public LiveStats(Vertx vertx, MeterRegistry meters, String nodeId, Clock clock) {
        this.vertx = vertx;
        this.meters = meters;
        this.nodeId = nodeId;
        this.clock = clock;
        Gauge.builder("gatehouse.admin.streams", watching, AtomicInteger::get)
                .description("Live-stats streams open on the admin listener").register(meters);
        Gauge.builder("gatehouse.admin.streams.max", () -> MAX_WATCHERS)
                .description("The most live-stats streams the admin listener keeps open at once").register(meters);
        this.refused = Counter.builder("gatehouse.admin.streams.refused")
                .description("Live-stats streams refused because the most were open").register(meters);
        Gauge.builder("gatehouse.admin.stats.nodes", this, LiveStats::otherNodes)
                .description("Other nodes whose live samples this node holds (at most " + MAX_NODES + ")").register(meters);
    }

    private synchronized int otherNodes() {
        return others.size();
    }

    /** One second of one node's traffic; rates are per second, latencies in µs (-1 with no requests). */
    public record Sample(String node, Instant time, long requests, double requestsPerSecond, double errorsPerSecond,
                         double clientErrorsPerSecond, double rateLimitedPerSecond, Double cacheHitRatio, double cacheLookupsPerSecond,
                         long connections,
                         long upstreamInFlight, int targets, int healthyTargets, int openBreakers, long p50Micros, long p95Micros,
                         long p99Micros, List<RouteSample> routes) {
        /** 5xx over all requests of the second; 0 without requests. */
        public double errorRate() {
            return requestsPerSecond == 0 ? 0 : errorsPerSecond / requestsPerSecond;
        }

        /** As the admin API writes it (rates per second, latencies in ms); per route only when {@code withRoutes}. */
        public JsonObject toJson(boolean withRoutes) {
            JsonObject out = new JsonObject()
                    .put("node", node)
                    .put("time", time.toString())
                    .put("requests", requests)
                    .put("requestsPerSecond", requestsPerSecond)
                    .put("errorsPerSecond", errorsPerSecond)
                    .put("errorRate", Math.round(errorRate() * 10_000) / 10_000.0)
                    .put("clientErrorsPerSecond", clientErrorsPerSecond)
                    .put("rateLimitedPerSecond", rateLimitedPerSecond)
                    .put("cacheHitRatio", cacheHitRatio)
                    .put("cacheLookupsPerSecond", cacheLookupsPerSecond)
                    .put("connections", connections)
                    .put("upstreamInFlight", upstreamInFlight)
                    .put("targets", targets)
                    .put("healthyTargets", healthyTargets)
                    .put("openBreakers", openBreakers)
                    .put("latencyMs", new JsonObject().put("p50", ms(p50Micros)).put("p95", ms(p95Micros)).put("p99", ms(p99Micros)));
            if (withRoutes) {
                JsonArray list = new JsonArray();
                for (RouteSample r : routes) {
                    list.add(new JsonObject().put("route", r.route()).put("requests", r.requests()).put("requestsPerSecond", r.requestsPerSecond())
                            .put("errorsPerSecond", r.errorsPerSecond()).put("rateLimitedPerSecond", r.rateLimitedPerSecond())
                            .put("p95Ms", ms(r.p95Micros())));
                }
                out.put("routes", list);
            }
            return out;
        }

        /** Reads back what {@link #toJson} wrote (another node's sample, as it arrives). */
        public static Sample fromJson(JsonObject in) {
            JsonObject latency = in.getJsonObject("latencyMs");
            List<RouteSample> routes = new ArrayList<>();
            for (Object o : in.getJsonArray("routes", new JsonArray())) {
                JsonObject r = (JsonObject) o;
                routes.add(new RouteSample(r.getString("route"), r.getLong("requests"), r.getDouble("requestsPerSecond"),
                        r.getDouble("errorsPerSecond"), r.getDouble("rateLimitedPerSecond"), micros(r.getDouble("p95Ms"))));
            }
            return new Sample(in.getString("node"), Instant.parse(in.getString("time")), in.getLong("requests"), in.getDouble("requestsPerSecond"),
                    in.getDouble("errorsPerSecond"), in.getDouble("clientErrorsPerSecond"), in.getDouble("rateLimitedPerSecond"),
                    in.getDouble("cacheHitRatio"), in.getDouble("cacheLookupsPerSecond", 0.0), in.getLong("connections"), in.getLong("upstreamInFlight"), in.getInteger("targets"),
                    in.getInteger("healthyTargets"), in.getInteger("openBreakers"), micros(latency.getDouble("p50")), micros(latency.getDouble("p95")),
                    micros(latency.getDouble("p99")), List.copyOf(routes));
        }

        private static Double ms(long micros) {
            return micros < 0 ? null : micros / 1000.0;
        }

        private static long micros(Double ms) {
            return ms == null ? -1 : Math.round(ms * 1000);
        }
    }

    /** One route's second: its rates, its p95 in µs (-1 without requests) and its requests since the node started. */
    public record RouteSample(String route, long requests, double requestsPerSecond, double errorsPerSecond, double rateLimitedPerSecond,
                              long p95Micros) {
    }

    /** Takes a sample every second from now until {@link #close}. */
    public synchronized void start() {
        if (timer < 0) {
            sample();
            timer = vertx.setPeriodic(PERIOD_MS, id -> publish(sample()));
        }
    }

    /** The samples kept, oldest first. */
    public synchronized List<Sample> history() {
        return List.copyOf(kept);
    }

    /** The newest sample (taken now when none has been yet). */
    public synchronized Sample latest() {
        return last != null ? last : sample();
    }

    public String nodeId() {
        return nodeId;
    }

    /**
     * Hands {@code watcher} every sample this node takes from now on, until the returned handle is run; empty when
     * {@value #MAX_WATCHERS} are watching already (counted as refused).
     */
    public Optional<Runnable> watch(Consumer<Sample> watcher) {
        return watch(watchers, watcher);
    }

    /** The same for another node's samples, as they are {@link #received}. */
    public Optional<Runnable> watch(String node, Consumer<Sample> watcher) {
        return watch(otherWatchers.computeIfAbsent(node, n -> new CopyOnWriteArrayList<>()), watcher);
    }

    private Optional<Runnable> watch(List<Consumer<Sample>> list, Consumer<Sample> watcher) {
        if (watching.incrementAndGet() > MAX_WATCHERS) {
            watching.decrementAndGet();
            refused.increment();
            return Optional.empty();
        }
        list.add(watcher);
        return Optional.of(new Runnable() {
            private boolean done;

            @Override
            public synchronized void run() {
                if (!done) {
                    done = true;
                    list.remove(watcher);
                    watching.decrementAndGet();
                }
            }
        });
    }

    /** Another node's sample, as it arrived: kept with that node's and handed to whoever watches that node. */
    public void received(Sample sample) {
        if (sample.node().equals(nodeId)) {
            return;
        }
        synchronized (this) {
            ArrayDeque<Sample> ring = others.remove(sample.node());
            if (ring == null) {
                ring = new ArrayDeque<>();
                if (others.size() == MAX_NODES) {
                    others.remove(others.keySet().iterator().next());
                }
            }
            others.put(sample.node(), ring); // most recently heard last
            if (ring.size() == KEPT) {
                ring.removeFirst();
            }
            ring.addLast(sample);
        }
        for (Consumer<Sample> watcher : otherWatchers.getOrDefault(sample.node(), List.of())) {
            watcher.accept(sample);
        }
    }

    /** Whether any stream watches another node now. */
    public boolean watchingOthers() {
        return otherWatchers.values().stream().anyMatch(list -> !list.isEmpty());
    }

    /** Forgets the other nodes' samples (once this node stops hearing them, they would only grow stale). */
    public synchronized void forgetOthers() {
        others.clear();
    }

    /** Another node's samples as they arrived here, oldest first; empty for a node not heard from. */
    public synchronized List<Sample> history(String node) {
        if (node.equals(nodeId)) {
            return history();
        }
        ArrayDeque<Sample> ring = others.get(node);
        return ring == null ? List.of() : List.copyOf(ring);
    }

    private void publish(Sample sample) {
        for (Consumer<Sample> watcher : watchers) {
            watcher.accept(sample);
        }
        Consumer<Sample> out = outward;
        if (out != null) {
            out.accept(sample);
        }
    }

    /** Where each new sample of this node also goes (to the other nodes, by {@link ClusterStats}). */
    void sendEachSampleTo(Consumer<Sample> out) {
        this.outward = out;
    }

    /** Reads the meters, keeps the differences since the last reading as a sample, and returns it. */
    synchronized Sample sample() {
        long now = clock.read();
        double seconds = last == null ? 0 : (now - previousNanos) / 1e9;
        Map<Meter.Id, double[]> readings = new HashMap<>();
        Map<String, RouteTally> routes = new TreeMap<>();
        RouteTally node = new RouteTally();
        for (Timer timer : meters.find("gatehouse.requests").timers()) {
            String route = timer.getId().getTag("route");
            String status = timer.getId().getTag("status");
            CountAtBucket[] buckets = timer.takeSnapshot().histogramCounts();
            double[] reading = new double[buckets.length + 1];
            reading[0] = timer.count();
            for (int i = 0; i < buckets.length; i++) {
                reading[i + 1] = buckets[i].count();
            }
            readings.put(timer.getId(), reading);
            double[] before = previous.get(timer.getId());
            RouteTally tally = routes.computeIfAbsent(route, r -> new RouteTally());
            tally.total += (long) reading[0];
            if (before == null || before.length != reading.length) {
                before = new double[reading.length];
            }
            double requests = reading[0] - before[0];
            if (requests <= 0) {
                continue;
            }
            long[] bounds = new long[buckets.length];
            long[] cumulative = new long[buckets.length];
            for (int i = 0; i < buckets.length; i++) {
                bounds[i] = (long) buckets[i].bucket(TimeUnit.MICROSECONDS);
                cumulative[i] = (long) (reading[i + 1] - before[i + 1]);
            }
            for (RouteTally t : new RouteTally[]{tally, node}) {
                t.add(bounds, cumulative, (long) requests, "5xx".equals(status), "4xx".equals(status));
            }
        }
        double limited = delta(readings, "gatehouse.ratelimit.decisions", "outcome", "rejected", routes);
        double hits = delta(readings, "gatehouse.cache.responses", "result", "hit-l1", null)
                + delta(readings, "gatehouse.cache.responses", "result", "hit-l2", null)
                + delta(readings, "gatehouse.cache.responses", "result", "stale", null);
        double cacheable = hits + delta(readings, "gatehouse.cache.responses", "result", "miss", null);
        previous = readings;
        previousNanos = now;
        List<RouteSample> perRoute = new ArrayList<>();
        long total = 0;
        for (Map.Entry<String, RouteTally> e : routes.entrySet()) {
            RouteTally t = e.getValue();
            total += t.total;
            perRoute.add(new RouteSample(e.getKey(), t.total, rate(t.requests, seconds), rate(t.errors, seconds), rate(t.limited, seconds),
                    t.quantile(0.95)));
        }
        Sample sample = new Sample(nodeId, clock.instant(), total, rate(node.requests, seconds), rate(node.errors, seconds),
                rate(node.clientErrors, seconds), rate(limited, seconds), cacheable == 0 ? null : round(hits / cacheable), rate(cacheable, seconds),
                (long) gauge("gatehouse.gateway.connections"), (long) gauge("gatehouse.upstream.in.flight"),
                meters.find("gatehouse.upstream.healthy").gauges().size(), (int) gauge("gatehouse.upstream.healthy"),
                (int) gauge("gatehouse.upstream.breaker.open"), node.quantile(0.5), node.quantile(0.95), node.quantile(0.99), List.copyOf(perRoute));
        last = sample;
        if (seconds > 0) {
            if (kept.size() == KEPT) {
                kept.removeFirst();
            }
            kept.addLast(sample);
        }
        return sample;
    }

    /** The sum of a counter's increases since the last sample over the meters with {@code tag} = {@code value}; per route into {@code routes}. */
    private double delta(Map<Meter.Id, double[]> readings, String name, String tag, String value, Map<String, RouteTally> routes) {
        double sum = 0;
        for (Counter counter : meters.find(name).tag(tag, value).counters()) {
            double now = counter.count();
            readings.put(counter.getId(), new double[]{now});
            double[] before = previous.get(counter.getId());
            double increase = Math.max(0, now - (before == null ? 0 : before[0]));
            sum += increase;
            if (routes != null && counter.getId().getTag("route") != null) {
                routes.computeIfAbsent(counter.getId().getTag("route"), r -> new RouteTally()).limited += increase;
            }
        }
        return sum;
    }

    private double gauge(String name) {
        double sum = 0;
        for (Gauge gauge : meters.find(name).gauges()) {
            double value = gauge.value();
            sum += Double.isNaN(value) ? 0 : value;
        }
        return sum;
    }

    private static double rate(double count, double seconds) {
        return seconds <= 0 ? 0 : round(count / seconds);
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    /** One route's (or the node's) requests in the second, with a latency histogram summed over status classes. */
    private static final class RouteTally {
        long total;
        long requests;
        long errors;
        long clientErrors;
        double limited;
        long[] bounds = new long[0];
        long[] cumulative = new long[0];

        void add(long[] b, long[] c, long n, boolean error, boolean clientError) {
            if (bounds.length != b.length) {
                bounds = b;
                cumulative = new long[b.length];
            }
            for (int i = 0; i < c.length; i++) {
                cumulative[i] += c[i];
            }
            requests += n;
            errors += error ? n : 0;
            clientErrors += clientError ? n : 0;
        }

        /** The bound of the bucket the quantile falls in (as the request log's rollups give them); -1 without requests. */
        long quantile(double q) {
            if (requests == 0) {
                return -1;
            }
            double rank = q * requests;
            for (int i = 0; i < cumulative.length; i++) {
                if (cumulative[i] >= rank) {
                    return bounds[i];
                }
            }
            // past the last bucket (over 30 s): its bound is the least it can be
            return bounds.length == 0 ? -1 : bounds[bounds.length - 1];
        }
    }

    @Override
    public synchronized void close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
        watchers.clear();
    }
}
