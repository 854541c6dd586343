package dev.gatehouse.shortener;

import dev.gatehouse.cache.CacheCodec;
import dev.gatehouse.cache.InvalidationFeed;
import dev.gatehouse.cache.RedisLevel;
import dev.gatehouse.cache.TwoLevelCache;
import dev.gatehouse.core.time.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * Stats answers of links: read from {@link ClickStore}, cached for {@code statsLifetime} in a {@link TwoLevelCache}
 * under the link's tag, so every cached range of a link goes at once — when a flush counts its clicks, or when the
 * link goes.
 */
final class LinkStats {
    static final int MAX_DAYS = 366;
    /** Past this many links in one flush, cached stats are left to expire instead of being dropped one by one. */
    static final int MAX_DROPS_PER_FLUSH = 200;

    /** A range of UTC days, inclusive, or the problem with the parameters that asked for it. */
    record Range(LocalDate from, LocalDate to) {
    }

    private final ClickStore clicks;
    private final TwoLevelCache<JsonObject> cache;
    private final Duration lifetime;
    private final Function<Callable<ClickStore.Stats>, Future<ClickStore.Stats>> blocking;

    LinkStats(ClickStore clicks, RedisLevel l2, InvalidationFeed feed, Clock clock, Duration lifetime,
              Function<Callable<ClickStore.Stats>, Future<ClickStore.Stats>> blocking, MeterRegistry meters) {
        this.clicks = clicks;
        this.lifetime = lifetime;
        this.blocking = blocking;
        this.cache = new TwoLevelCache<>(new TwoLevelCache.Options("link-stats", 8L * 1024 * 1024, Duration.ofSeconds(5)), JSON, l2, feed,
                clock, meters);
    }

    /** The range {@code from}..{@code to} asks for (defaults: up to today, 30 days), or the problem with it. */
    static Object range(String fromParam, String toParam, LocalDate today) {
        LocalDate from;
        LocalDate to;
        try {
            to = toParam == null ? today : LocalDate.parse(toParam);
            from = fromParam == null ? to.minusDays(29) : LocalDate.parse(fromParam);
        } catch (DateTimeParseException e) {
            return Problem.invalid("invalid-range", "from and to are days such as 2030-01-31 (UTC), got from=" + fromParam + " to=" + toParam);
        }
        if (from.isAfter(to) || from.plusDays(MAX_DAYS).isBefore(to)) {
            return Problem.invalid("invalid-range",
                    "from must not be after to, and a range covers at most " + MAX_DAYS + " days; got " + from + " to " + to);
        }
        return new Range(from, to);
    }

    /** The link's stats over {@code range}, cached. */
    Future<JsonObject> of(Link link, Range range) {
        String key = link.id() + ":" + range.from() + ":" + range.to();
        return cache.get(key).compose(cached -> cached != null ? Future.succeededFuture(cached.value())
                : blocking.apply(() -> clicks.stats(link.id(), range.from(), range.to())).map(s -> {
                    JsonObject json = json(link, range, s);
                    cache.put(key, json, lifetime, List.of(tag(link.id())));
                    return json;
                }));
    }

    /** Drops every cached range of these links, on every instance (best effort: never fails). */
    Future<Void> forget(Collection<Long> linkIds) {
        if (linkIds.size() > MAX_DROPS_PER_FLUSH) {
            return Future.succeededFuture(); // what is cached lives out its lifetime
        }
        return Future.join(linkIds.stream().map(id -> cache.invalidateTag(tag(id))).toList()).otherwiseEmpty().mapEmpty();
    }

    private static JsonObject json(Link link, Range range, ClickStore.Stats s) {
        JsonArray days = new JsonArray();
        s.byDay().forEach((day, n) -> days.add(new JsonObject().put("day", day.toString()).put("clicks", n)));
        JsonArray referrers = new JsonArray();
        s.byReferrer().forEach((host, n) -> referrers.add(new JsonObject().put("host", host).put("clicks", n)));
        JsonArray agents = new JsonArray();
        s.byAgent().forEach((family, n) -> agents.add(new JsonObject().put("family", family).put("clicks", n)));
        return new JsonObject().put("code", link.code()).put("total", s.total()).put("from", range.from().toString())
                .put("to", range.to().toString()).put("inRange", s.inRange()).put("days", days).put("referrers", referrers).put("agents", agents);
    }

    private static String tag(long linkId) {
        return "link:" + linkId;
    }

    /** Stats answers as JSON in Redis. */
    private static final CacheCodec<JsonObject> JSON = new CacheCodec<>() {
        @Override
        public Buffer encode(JsonObject value) {
            return value.toBuffer();
        }

        @Override
        public JsonObject decode(Buffer bytes) {
            try {
                return new JsonObject(bytes);
            } catch (DecodeException e) {
                throw new IllegalArgumentException("not cached stats", e);
            }
        }

        @Override
        public int weigh(JsonObject value) {
            return 2 * value.encode().length();
        }
    };
}
