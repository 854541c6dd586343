package dev.gatehouse.server.admin;

import dev.gatehouse.server.logs.Analytics;
import dev.gatehouse.server.logs.LogSearch;
import dev.gatehouse.server.logs.TimeRange;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The request log's analytics and rows as the admin API and the admin views write them: times ISO-8601, latencies in ms. */
final class AnalyticsJson {

    private AnalyticsJson() {
    }

    static JsonObject summary(Analytics.Summary s) {
        return new JsonObject()
                .put("from", s.range().from().toString())
                .put("until", s.range().until().toString())
                .put("source", s.fromRows() ? "rows" : "rollups")
                .put("filter", new JsonObject().put("route", s.filter().route()).put("tier", s.filter().tier()).put("key", s.filter().keyId()))
                .put("requests", s.requests())
                .put("requestsPerSecond", round(s.perSecond()))
                .put("errors", s.errors())
                .put("errorRate", round(s.errorRate()))
                .put("clientErrors", s.clientErrors())
                .put("rateLimited", s.limited())
                .put("cacheHits", s.cacheHits())
                .put("cacheLookups", s.cacheLookups())
                .put("cacheHitRatio", s.cacheHitRatio() == null ? null : round(s.cacheHitRatio()))
                .put("bytesIn", s.bytesIn())
                .put("bytesOut", s.bytesOut())
                .put("latencyMs", new JsonObject().put("p50", ms(s.p50Micros())).put("p95", ms(s.p95Micros())).put("p99", ms(s.p99Micros()))
                        .put("mean", ms(s.meanMicros())))
                .put("topRoutes", counts("route", s.topRoutes()))
                .put("topKeys", keys(s.topKeys()))
                .put("statuses", new JsonArray(s.statuses().stream().map(c -> new JsonObject().put("status", c.name()).put("requests", c.requests())).toList()));
    }

    static JsonObject series(Analytics.Series series) {
        JsonArray points = new JsonArray();
        for (Analytics.Point p : series.points()) {
            points.add(new JsonObject().put("time", p.start().toString()).put("requests", p.requests()).put("errors", p.errors())
                    .put("rateLimited", p.limited()).put("p50Ms", ms(p.p50Micros())).put("p95Ms", ms(p.p95Micros())).put("p99Ms", ms(p.p99Micros()))
                    .put("cacheHits", p.cacheHits()).put("cacheLookups", p.cacheLookups())
                    .put("cacheHitRatio", p.cacheLookups() == 0 ? null : round((double) p.cacheHits() / p.cacheLookups())));
        }
        return new JsonObject().put("from", series.range().from().toString()).put("until", series.range().until().toString())
                .put("step", TimeRange.text(series.step())).put("source", series.fromRows() ? "rows" : "rollups").put("points", points);
    }

    static JsonObject routes(TimeRange range, List<Analytics.RouteStats> routes) {
        JsonArray list = new JsonArray();
        for (Analytics.RouteStats r : routes) {
            double seconds = Math.max(1, range.length().toSeconds());
            list.add(new JsonObject().put("route", r.route()).put("requests", r.requests()).put("requestsPerSecond", round(r.requests() / seconds))
                    .put("errors", r.errors()).put("errorRate", r.requests() == 0 ? 0.0 : round((double) r.errors() / r.requests()))
                    .put("rateLimited", r.limited())
                    .put("latencyMs", new JsonObject().put("p50", ms(r.p50Micros())).put("p95", ms(r.p95Micros())).put("p99", ms(r.p99Micros()))));
        }
        return new JsonObject().put("from", range.from().toString()).put("until", range.until().toString()).put("routes", list);
    }

    static JsonObject limited(TimeRange range, List<Analytics.LimitedCaller> callers) {
        JsonArray list = new JsonArray();
        for (Analytics.LimitedCaller c : callers) {
            list.add(new JsonObject().put("caller", c.caller()).put("tier", c.tier()).put("rateLimited", c.limited()).put("last", c.last().toString()));
        }
        return new JsonObject().put("from", range.from().toString()).put("until", range.until().toString()).put("callers", list);
    }

    static JsonObject entry(LogSearch.Entry e) {
        return new JsonObject()
                .put("time", e.time().toString())
                .put("requestId", e.requestId())
                .put("node", e.nodeId())
                .put("route", e.route())
                .put("method", e.method())
                .put("path", e.path())
                .put("status", e.status())
                .put("durationUs", e.durationMicros())
                .put("upstreamUs", e.upstreamMicros())
                .put("bytesIn", e.bytesIn())
                .put("bytesOut", e.bytesOut())
                .put("client", e.client())
                .put("subject", e.subject())
                .put("keyId", e.keyId())
                .put("userId", e.userId())
                .put("tier", e.tier())
                .put("cache", e.cache())
                .put("rateLimit", e.rateLimit())
                .put("target", e.target())
                .put("problem", e.problem())
                .put("traceId", e.traceId());
    }

    private static JsonArray counts(String label, List<Analytics.Count> counts) {
        return new JsonArray(counts.stream().map(c -> new JsonObject().put(label, c.name()).put("requests", c.requests())
                .put("errors", c.errors()).put("rateLimited", c.limited())).toList());
    }

    private static JsonArray keys(List<Analytics.Count> counts) {
        return new JsonArray(counts.stream().map(c -> new JsonObject().put("key", Long.parseLong(c.name())).put("requests", c.requests())
                .put("errors", c.errors()).put("rateLimited", c.limited())).toList());
    }

    /** µs as ms with µs precision; null for -1 (nothing to measure). */
    static Double ms(long micros) {
        return micros < 0 ? null : micros / 1000.0;
    }

    private static double round(double value) {
        return Math.round(value * 10_000) / 10_000.0;
    }
}
