package dev.gatehouse.server.admin;

import dev.gatehouse.core.config.Spelling;
import dev.gatehouse.server.auth.Conflict;
import dev.gatehouse.server.pipeline.JsonBody;
import dev.gatehouse.server.pipeline.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * What every admin endpoint does alike: read a JSON body, run store calls off the event loop and map
 * their failures to problems, answer JSON, and serve lists a page at a time.
 */
final class AdminCalls {
    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1000;

    private final Vertx vertx;

    AdminCalls(Vertx vertx) {
        this.vertx = vertx;
    }

    /** One page of rows that match {@code filter} (by name), read after the id {@code after}, at most {@code limit}. */
    interface Pages<T> {
        List<T> read(Map<String, String> filter, long after, int limit) throws Exception;
    }

    /** A list endpoint without free-text search or a total: see the other {@code page}. */
    <T> void page(RoutingContext ctx, Map<String, ? extends Collection<String>> filters, Pages<T> pages, ToLongFunction<T> id,
                  Function<T, JsonObject> describe) {
        page(ctx, filters, List.of(), pages, null, id, describe);
    }

    /** How many rows match {@code filter} (by name), on every page. */
    interface Total {
        long count(Map<String, String> filter) throws Exception;
    }

    /**
     * A list endpoint, a page at a time: {@code ?limit=} (default {@value #DEFAULT_PAGE}, at most
     * {@value #MAX_PAGE}) rows beyond the id {@code ?after=}, as a JSON array, of those the {@code filters}
     * parameters match (each one of the values it is mapped to) and the {@code search} parameters (any text up to 200
     * characters, which {@code pages} interprets); a full page carries a {@code Link: <...>; rel="next"} header to the
     * next one, with the same filters, and with a {@code total} every page says in {@code X-Total-Count} how many rows
     * match in all. A parameter it does not know, or one given twice, is refused by name.
     */
    <T> void page(RoutingContext ctx, Map<String, ? extends Collection<String>> filters, Collection<String> search, Pages<T> pages,
                  Total total, ToLongFunction<T> id, Function<T, JsonObject> describe) {
        long after;
        int limit;
        Map<String, String> filter = new LinkedHashMap<>();
        TreeSet<String> filterNames = new TreeSet<>(filters.keySet());
        try {
            List<String> known = new ArrayList<>(List.of("limit", "after"));
            known.addAll(filterNames);
            known.addAll(search);
            onlyParams(ctx, known);
            after = number(ctx, "after", 0, 0, Long.MAX_VALUE);
            limit = (int) number(ctx, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
            for (String name : filterNames) {
                String value = ctx.request().getParam(name);
                if (value != null) {
                    if (!filters.get(name).contains(value)) {
                        throw new IllegalArgumentException("'" + name + "' is one of " + String.join(", ", new TreeSet<>(filters.get(name))) + ", got '" + value + "'");
                    }
                    filter.put(name, value);
                }
            }
            for (String name : search) {
                String value = ctx.request().getParam(name);
                if (value != null && !value.isBlank()) {
                    if (value.length() > 200) {
                        throw new IllegalArgumentException("'" + name + "' is at most 200 characters, got " + value.length());
                    }
                    filter.put(name, value.trim());
                }
            }
        } catch (IllegalArgumentException e) {
            problem(ctx, 400, "invalid-query", "Invalid query", e.getMessage());
            return;
        }
        blocking(ctx, () -> new Page<>(pages.read(filter, after, limit), total == null ? -1 : total.count(filter))).onSuccess(page -> {
            List<T> rows = page.rows();
            JsonArray list = new JsonArray();
            rows.forEach(row -> list.add(describe.apply(row)));
            if (rows.size() == limit) {
                StringBuilder next = new StringBuilder(ctx.request().path()).append("?after=").append(id.applyAsLong(rows.get(rows.size() - 1)))
                        .append("&limit=").append(limit);
                filter.forEach((name, value) -> next.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
                ctx.response().putHeader("link", "<" + next + ">; rel=\"next\"");
            }
            if (page.total() >= 0) {
                ctx.response().putHeader("x-total-count", Long.toString(page.total()));
            }
            json(ctx, 200, list.encodePrettily());
        });
    }

    private record Page<T>(List<T> rows, long total) {
    }

    /**
     * Refuses, by name, a query parameter not in {@code known} (suggesting the likely one) or one given more than once.
     *
     * @throws IllegalArgumentException saying which
     */
    static void onlyParams(RoutingContext ctx, List<String> known) {
        for (String name : ctx.queryParams().names()) {
            if (!known.contains(name)) {
                String close = Spelling.closest(name, known);
                throw new IllegalArgumentException("unknown query parameter '" + name + "'" + (close == null ? "" : " (did you mean '" + close + "'?)")
                        + "; " + ctx.request().path() + (known.isEmpty() ? " takes no query parameters" : " takes " + String.join(", ", known)));
            }
            if (ctx.queryParams().getAll(name).size() > 1) {
                throw new IllegalArgumentException("'" + name + "' is given more than once");
            }
        }
    }

    /** A whole-number query parameter from {@code min} to {@code max}, or {@code fallback} when absent. */
    private static long number(RoutingContext ctx, String name, long fallback, long min, long max) {
        String text = ctx.request().getParam(name);
        if (text == null) {
            return fallback;
        }
        if (!text.matches("[0-9]{1,18}") || Long.parseLong(text) < min || Long.parseLong(text) > max) {
            throw new IllegalArgumentException("'" + name + "' must be a whole number from " + min + " to " + max + ", got '" + text + "'");
        }
        return Long.parseLong(text);
    }

    /**
     * Runs {@code work} on a worker thread. A failure is answered here: a {@link Conflict} with 409, a
     * refused value ({@link IllegalArgumentException}) with 400, anything else as the storage error it is.
     */
    <T> Future<T> blocking(RoutingContext ctx, Callable<T> work) {
        return vertx.executeBlocking(work, false).onFailure(e -> {
            if (e instanceof Conflict) {
                problem(ctx, 409, "conflict", "Conflict", e.getMessage());
            } else if (e instanceof IllegalArgumentException) {
                problem(ctx, 400, "invalid-body", "Invalid body", e.getMessage());
            } else if (e instanceof java.sql.SQLException sql && "57014".equals(sql.getSQLState())) {
                // query_canceled: the statement ran past its timeout (analytics over a wide range)
                problem(ctx, 503, "storage", "Storage error", "the query ran past its time limit; narrow the range or add a filter");
            } else {
                problem(ctx, 500, "storage", "Storage error", "PostgreSQL failed: " + e.getMessage());
            }
        });
    }

    /**
     * Runs {@code handler} on the request's JSON body. A body the handler finds wrong (an
     * {@link IllegalArgumentException} before it answers) is answered 400 with its message.
     */
    static void withBody(RoutingContext ctx, Consumer<JsonBody> handler) {
        try {
            handler.accept(JsonBody.parse(ctx.body().buffer()));
        } catch (IllegalArgumentException e) {
            problem(ctx, 400, "invalid-body", "Invalid body", e.getMessage());
        }
    }

    static void json(RoutingContext ctx, int status, String body) {
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
    }

    static void problem(RoutingContext ctx, int status, String slug, String title, String detail) {
        Problem.of(status, slug, title, detail).send(ctx.response(), ctx.request().path(), null);
    }

    static void notFound(RoutingContext ctx, String detail) {
        problem(ctx, 404, "not-found", "Not found", detail);
    }
}
