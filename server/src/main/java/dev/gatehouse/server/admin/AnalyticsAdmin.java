package dev.gatehouse.server.admin;

import dev.gatehouse.server.logs.Analytics;
import dev.gatehouse.server.logs.LogSearch;
import dev.gatehouse.server.logs.TimeRange;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static dev.gatehouse.server.admin.AdminCalls.json;
import static dev.gatehouse.server.admin.AdminCalls.onlyParams;
import static dev.gatehouse.server.admin.AdminCalls.problem;

/**
 * Admin endpoints for the request log: {@code GET /analytics/summary} and {@code GET /analytics/series} over a
 * range ({@code since=15m}, or {@code from=} and {@code until=}), filtered by {@code route}, {@code tier} and
 * {@code key}, and {@code GET /logs}, the raw rows newest first, a page at a time. An admin credential is needed.
 */
final class AnalyticsAdmin {
    static final Duration SUMMARY_RANGE = Duration.ofMinutes(15);
    static final Duration SERIES_RANGE = Duration.ofHours(1);
    private static final List<String> FILTERS = List.of("since", "from", "until", "route", "tier", "key");

    private final Analytics analytics;
    private final LogSearch logs;
    private final AdminGuard guard;
    private final AdminCalls calls;

    AnalyticsAdmin(Analytics analytics, LogSearch logs, AdminGuard guard, AdminCalls calls) {
        this.analytics = analytics;
        this.logs = logs;
        this.guard = guard;
        this.calls = calls;
    }

    void mount(Router router) {
        router.route("/analytics*").handler(guard);
        router.route("/logs*").handler(guard);
        router.get("/analytics/summary").handler(this::summary);
        router.get("/analytics/series").handler(this::series);
        router.get("/analytics/routes").handler(this::routes);
        router.get("/analytics/limited").handler(this::limited);
        router.get("/logs").handler(this::logs);
    }

    private void summary(RoutingContext ctx) {
        Analytics.Filter filter;
        TimeRange range;
        try {
            onlyParams(ctx, FILTERS);
            filter = filter(ctx);
            range = analytics.range(param(ctx, "since"), param(ctx, "from"), param(ctx, "until"), SUMMARY_RANGE, filter);
        } catch (IllegalArgumentException e) {
            problem(ctx, 400, "invalid-query", "Invalid query", e.getMessage());
            return;
        }
        calls.blocking(ctx, () -> analytics.summary(range, filter))
                .onSuccess(summary -> json(ctx, 200, AnalyticsJson.summary(summary).encodePrettily()));
    }

    private void series(RoutingContext ctx) {
        Analytics.Filter filter;
        TimeRange range;
        Duration step;
        try {
            onlyParams(ctx, List.of("since", "from", "until", "step", "route", "tier", "key"));
            filter = filter(ctx);
            range = analytics.range(param(ctx, "since"), param(ctx, "from"), param(ctx, "until"), SERIES_RANGE, filter);
            step = Analytics.step(range, param(ctx, "step") == null ? null : TimeRange.duration("step", param(ctx, "step")));
        } catch (IllegalArgumentException e) {
            problem(ctx, 400, "invalid-query", "Invalid query", e.getMessage());
            return;
        }
        calls.blocking(ctx, () -> analytics.series(range, step, filter))
                .onSuccess(series -> json(ctx, 200, AnalyticsJson.series(series).encodePrettily()));
    }

    private void routes(RoutingContext ctx) {
        Analytics.Filter filter;
        TimeRange range;
        try {
            onlyParams(ctx, List.of("since", "from", "until", "tier"));
            filter = new Analytics.Filter(null, param(ctx, "tier"), null);
            range = analytics.range(param(ctx, "since"), param(ctx, "from"), param(ctx, "until"), SERIES_RANGE, filter);
        } catch (IllegalArgumentException e) {
            problem(ctx, 400, "invalid-query", "Invalid query", e.getMessage());
            return;
        }
        calls.blocking(ctx, () -> analytics.routes(range, filter))
                .onSuccess(routes -> json(ctx, 200, AnalyticsJson.routes(range, routes).encodePrettily()));
    }

    private void limited(RoutingContext ctx) {
        Analytics.Filter filter;
        TimeRange range;
        try {
            onlyParams(ctx, List.of("since", "from", "until", "route", "tier"));
            filter = new Analytics.Filter(param(ctx, "route"), param(ctx, "tier"), null);
            range = analytics.rowRange(param(ctx, "since"), param(ctx, "from"), param(ctx, "until"), SERIES_RANGE);
        } catch (IllegalArgumentException e) {
            problem(ctx, 400, "invalid-query", "Invalid query", e.getMessage());
            return;
        }
        calls.blocking(ctx, () -> analytics.limited(range, filter))
                .onSuccess(callers -> json(ctx, 200, AnalyticsJson.limited(range, callers).encodePrettily()));
    }

    private void logs(RoutingContext ctx) {
        LogSearch.Criteria criteria;
        try {
            onlyParams(ctx, List.of("requestId", "status", "route", "key", "subject", "since", "from", "until", "limit", "after"));
            String status = param(ctx, "status");
            String limit = param(ctx, "limit");
            String after = param(ctx, "after");
            criteria = new LogSearch.Criteria(
                    logs.range(param(ctx, "since"), param(ctx, "from"), param(ctx, "until"), param(ctx, "requestId") != null),
                    param(ctx, "requestId"), status == null ? null : LogSearch.Status.parse(status), param(ctx, "route"), key(ctx),
                    param(ctx, "subject"), limit == null ? LogSearch.DEFAULT_LIMIT : limit(limit), after == null ? null : LogSearch.Cursor.parse(after));
        } catch (IllegalArgumentException e) {
            problem(ctx, 400, "invalid-query", "Invalid query", e.getMessage());
            return;
        }
        calls.blocking(ctx, () -> logs.search(criteria)).onSuccess(page -> {
            JsonArray rows = new JsonArray();
            page.rows().forEach(row -> rows.add(AnalyticsJson.entry(row)));
            if (page.next() != null) {
                // the range as instants: a "since" would move with the clock between pages
                StringBuilder next = new StringBuilder(ctx.request().path()).append("?from=").append(criteria.range().from())
                        .append("&until=").append(criteria.range().until());
                for (String name : List.of("requestId", "status", "route", "key", "subject")) {
                    if (param(ctx, name) != null) {
                        next.append('&').append(name).append('=').append(URLEncoder.encode(param(ctx, name), StandardCharsets.UTF_8));
                    }
                }
                next.append("&limit=").append(criteria.limit()).append("&after=").append(page.next().token());
                ctx.response().putHeader("link", "<" + next + ">; rel=\"next\"");
            }
            json(ctx, 200, rows.encodePrettily());
        });
    }

    private static Analytics.Filter filter(RoutingContext ctx) {
        return new Analytics.Filter(param(ctx, "route"), param(ctx, "tier"), key(ctx));
    }

    /** {@code key}: a key's id, as {@code /keys} lists them. */
    private static Long key(RoutingContext ctx) {
        String key = param(ctx, "key");
        if (key == null) {
            return null;
        }
        if (!key.matches("[1-9][0-9]{0,17}")) {
            throw new IllegalArgumentException("key must be a key's id such as 42 (as /keys lists them), got '" + key + "'");
        }
        return Long.parseLong(key);
    }

    private static int limit(String text) {
        if (!text.matches("[0-9]{1,9}") || Integer.parseInt(text) < 1 || Integer.parseInt(text) > LogSearch.MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be a whole number from 1 to " + LogSearch.MAX_LIMIT + ", got '" + text + "'");
        }
        return Integer.parseInt(text);
    }

    private static String param(RoutingContext ctx, String name) {
        return ctx.request().getParam(name);
    }
}
