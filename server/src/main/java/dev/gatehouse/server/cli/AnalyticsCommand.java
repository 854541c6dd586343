package dev.gatehouse.server.cli;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.server.logs.Analytics;
import dev.gatehouse.server.logs.TimeRange;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code gatehouse analytics}: the request log summed up over a range, from the configured PostgreSQL. */
@Command(name = "analytics", mixinStandardHelpOptions = true,
        description = "Sum up the request log over a range: requests, errors, latency percentiles, 429s, cache hits, "
                + "top routes, keys and statuses (with an embedded database, stop the node first or use the admin API).")
final class AnalyticsCommand implements Callable<Integer> {
    @CommandLine.Mixin
    ConfigFileOption config;

    @Option(names = "--since", paramLabel = "DURATION", description = "How far back: 15m, 1h, 24h, 7d (default: 1h).")
    String since;

    @Option(names = "--from", paramLabel = "INSTANT", description = "Start of the range, e.g. 2026-12-06T10:00:00Z (instead of --since).")
    String from;

    @Option(names = "--until", paramLabel = "INSTANT", description = "End of the range (default: now).")
    String until;

    @Option(names = "--route", paramLabel = "ROUTE", description = "Only this route's requests.")
    String route;

    @Option(names = "--tier", paramLabel = "TIER", description = "Only requests of callers on this tier.")
    String tier;

    @Option(names = "--key", paramLabel = "ID", description = "Only requests made with this API key (read from raw rows).")
    Long key;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        return ConfigFiles.withDatabase(config.path, err, "gatehouse analytics", (given, db) -> {
            Analytics analytics = new Analytics(db.dataSource(), given.logs(), Clock.system());
            Analytics.Filter filter = new Analytics.Filter(route, tier, key);
            TimeRange range = analytics.range(since, from, until, Duration.ofHours(1), filter);
            print(analytics.summary(range, filter), spec.commandLine().getOut());
            return 0;
        });
    }

    static void print(Analytics.Summary s, PrintWriter out) {
        out.printf(Locale.ROOT, "%-10s %s to %s (%s)%s%n", "Range", s.range().from(), s.range().until(),
                s.fromRows() ? "raw rows" : "per-minute rollups", filters(s.filter()));
        out.printf(Locale.ROOT, "%-10s %d (%.2f/s)%n", "Requests", s.requests(), s.perSecond());
        out.printf(Locale.ROOT, "%-10s %d 5xx (%.2f %%), %d 4xx, %d 429%n", "Errors", s.errors(), s.errorRate() * 100, s.clientErrors(), s.limited());
        out.printf(Locale.ROOT, "%-10s p50 %s  p95 %s  p99 %s  mean %s%n", "Latency", ms(s.p50Micros()), ms(s.p95Micros()), ms(s.p99Micros()),
                ms(s.meanMicros()));
        out.printf(Locale.ROOT, "%-10s %s%n", "Cache", s.cacheHitRatio() == null ? "no requests to cached routes"
                : String.format(Locale.ROOT, "%.1f %% hits (%d of %d)", s.cacheHitRatio() * 100, s.cacheHits(), s.cacheLookups()));
        out.printf("%-10s %s%n", "Statuses", String.join("  ", s.statuses().stream().map(c -> c.name() + " " + c.requests()).toList()));
        table(out, "Top routes", "ROUTE", s.topRoutes());
        table(out, "Top keys", "KEY", s.topKeys());
        out.flush();
    }

    private static void table(PrintWriter out, String title, String label, List<Analytics.Count> counts) {
        if (counts.isEmpty()) {
            return;
        }
        out.println(title);
        out.printf("  %-20s %10s %8s %8s%n", label, "REQUESTS", "5XX", "429");
        counts.forEach(c -> out.printf("  %-20s %10d %8d %8d%n", c.name(), c.requests(), c.errors(), c.limited()));
    }

    private static String filters(Analytics.Filter f) {
        StringBuilder out = new StringBuilder();
        if (f.route() != null) {
            out.append(", route ").append(f.route());
        }
        if (f.tier() != null) {
            out.append(", tier ").append(f.tier());
        }
        if (f.keyId() != null) {
            out.append(", key ").append(f.keyId());
        }
        return out.toString();
    }

    private static String ms(long micros) {
        return micros < 0 ? "-" : String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
    }
}
