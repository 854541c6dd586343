package dev.gatehouse.shortener;

import dev.gatehouse.cache.CacheWarmer;
import dev.gatehouse.cache.InvalidationFeed;
import dev.gatehouse.cache.RedisLevel;
import dev.gatehouse.cache.RedisLock;
import dev.gatehouse.cache.VersionedCache;
import dev.gatehouse.cache.WriteBehindCounters;
import dev.gatehouse.core.time.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * The shortener's operations, for the HTTP layer to call: create, resolve (with a click), read, change and delete
 * a link, its stats, the click flush and the purge. Reads go through a {@link VersionedCache}; clicks through
 * {@link WriteBehindCounters}; stats answers through {@link LinkStats}. Blocking work
 * (PostgreSQL, id generation that may wait out a clock step) runs on worker threads.
 */
public final class Shortener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Shortener.class);

    private final Vertx vertx;
    private final Clock clock;
    private final ShortenerSettings settings;
    private final LinkRules rules;
    private final LinkStore store;
    private final ClickStore clickStore;
    private final SnowflakeIds ids;
    private final NodeLeases leases;
    private final VersionedCache<Link> links;
    private final LinkStats stats;
    private final WriteBehindCounters<Click> clicks;
    private final PurgeJob purge;
    private final InvalidationFeed feed;
    private final Redis redis;
    private final Counter redirects;
    private final MeterRegistry meters;
    private final List<Long> timers = new ArrayList<>();

    private Shortener(Vertx vertx, ShortenerDatabase db, String redisUrl, String keyPrefix, String instanceId, ShortenerSettings settings,
                      Clock clock, SnowflakeIds.Pause pause, MeterRegistry meters) {
        this.vertx = vertx;
        this.clock = clock;
        this.settings = settings;
        Set<String> own = new HashSet<>(settings.ownHosts());
        own.add(settings.publicHost());
        this.rules = new LinkRules(own);
        this.store = new LinkStore(db.dataSource());
        this.clickStore = new ClickStore(db.dataSource());
        this.ids = new SnowflakeIds(clock, pause, settings.maxClockBackWait());
        this.leases = new NodeLeases(db.dataSource(), ids, clock, settings.nodeLease(), instanceId + "@" + ProcessHandle.current().pid());
        RedisLevel l2 = null;
        RedisLock lock = null;
        if (redisUrl != null) {
            // a burst of writes waits for a pooled connection instead of failing (the client's default queue holds 24)
            this.redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(redisUrl).setMaxPoolSize(8).setMaxPoolWaiting(8 * 256));
            l2 = new RedisLevel(redis, keyPrefix, Duration.ofMillis(250), meters, clock::read);
            this.feed = new InvalidationFeed(vertx, redisUrl, keyPrefix + "invalidations", instanceId, meters);
            lock = new RedisLock(l2, clock, meters);
        } else {
            this.redis = null;
            this.feed = null;
        }
        this.links = new VersionedCache<>(new VersionedCache.Options("links", 64L * 1024 * 1024, settings.linkL1Ttl(), 1_000_000,
                redisUrl == null ? Duration.ZERO : settings.confirmEditsWithin()), Link.CODEC, Link::version, l2, feed, clock, meters);
        this.stats = new LinkStats(clickStore, l2, feed, clock, settings.statsLifetime(), this::blocking, meters);
        this.clicks = new WriteBehindCounters<>(vertx, new WriteBehindCounters.Options("clicks", settings.clickFlushInterval(),
                settings.clickFlushAt(), settings.maxClickKeys()), this::writeClicks, meters);
        this.purge = new PurgeJob(vertx, db.dataSource(), lock, clock, settings, this::forget, meters);
        this.meters = meters;
        this.redirects = Counter.builder("shortener.redirects").description("Redirects answered (each a click)").register(meters);
    }

    /**
     * Starts an instance: leases its node id, warms the cache with the most clicked links, and schedules the lease
     * renewal and the purge. Blocks: call it from a thread that may wait (start-up).
     *
     * @param redisUrl Redis for the shared cache level, cross-instance invalidation and the purge lock, or null
     * @param keyPrefix the Redis key prefix of this deployment
     */
    public static Shortener start(Vertx vertx, ShortenerDatabase db, String redisUrl, String keyPrefix, String instanceId,
                                  ShortenerSettings settings, Clock clock, SnowflakeIds.Pause pause, MeterRegistry meters) throws SQLException {
        Shortener shortener = new Shortener(vertx, db, redisUrl, keyPrefix, instanceId, settings, clock, pause, meters);
        shortener.leases.acquire();
        shortener.timers.add(vertx.setPeriodic(shortener.leases.renewEvery().toMillis(), t -> vertx.executeBlocking(() -> {
            // a lease taken over by another instance (this one could not renew in time) is replaced by a new node id
            return shortener.leases.renew() || shortener.leases.acquire() >= 0;
        }, false).onFailure(e -> log.warn("could not renew the node id lease ({}); ids stop at its end unless a later renewal succeeds",
                e.getMessage()))));
        shortener.timers.add(vertx.setPeriodic(settings.purgeEvery().toMillis(), t -> shortener.purge()));
        shortener.warm().toCompletionStage().toCompletableFuture().join();
        return shortener;
    }

    public ShortenerSettings settings() {
        return settings;
    }

    public int node() {
        return leases.node();
    }

    /** The next Snowflake id of this instance, as creation takes it (may pause; never on an event loop). */
    public long nextId() {
        return ids.next();
    }

    /** Renews the node id lease now (the timer does it every third of the lease); false when it was lost. Blocks. */
    public boolean renewLease() throws SQLException {
        return leases.renew();
    }

    /** Creates a link for {@code caller}: 201's link, or 400 (what is wrong), 401, 409 (alias taken), 503 (no ids now). */
    public Future<Outcome<Link>> create(Caller caller, JsonObject body) {
        if (!caller.known()) {
            return Future.succeededFuture(Outcome.refused(new Problem(401, "unauthorized", "Credentials required",
                    "creating a short link needs a login or an API key, sent through the gateway")));
        }
        Object parsed = rules.creation(body, clock.epochMillis());
        if (parsed instanceof Problem p) {
            return Future.succeededFuture(Outcome.refused(p));
        }
        LinkRules.Creation creation = (LinkRules.Creation) parsed;
        return blocking(() -> insert(caller, creation)).compose(outcome -> outcome.ok()
                ? links.put(outcome.value().code(), outcome.value(), settings.linkLifetime()).map(outcome) : Future.succeededFuture(outcome));
    }

    private Outcome<Link> insert(Caller caller, LinkRules.Creation creation) throws SQLException {
        long now = clock.epochMillis();
        for (int attempt = 0; attempt < 3; attempt++) {
            long id;
            try {
                id = ids.next();
            } catch (SnowflakeIds.Unavailable e) {
                return Outcome.refused(new Problem(503, "ids-unavailable", "Cannot make a short code now", e.getMessage(),
                        Math.max(1, e.retryAfter().toSeconds())));
            }
            String code = creation.alias() != null ? creation.alias() : Base62.encode(id);
            Optional<Link> stored = store.insert(new Link(id, code, creation.url(), caller.subject(), creation.permanent(), now, now,
                    creation.expiresAt(), 0));
            if (stored.isPresent()) {
                return Outcome.ok(stored.get());
            }
            if (creation.alias() != null) {
                return Outcome.refused(new Problem(409, "alias-taken", "Alias taken", "the alias '" + code + "' is taken; choose another"));
            }
            // a generated code can only be taken by an alias someone chose that looks like one: take the next id
        }
        return Outcome.refused(new Problem(500, "storage", "Could not store the link", "three generated codes in a row were taken"));
    }

    /** The link a code names, from the cache (value null: no such link). Fails only when the database does. */
    public Future<VersionedCache.Hit<Link>> resolve(String code) {
        VersionedCache.Hit<Link> local = links.getLocal(code);
        if (local != null) {
            return Future.succeededFuture(local);
        }
        return links.getOrLoad(code, settings.linkLifetime(), settings.absentLifetime(), () -> blocking(() -> store.find(code).orElse(null)));
    }

    /** The link in process memory, or null: the redirect's fast path. */
    public VersionedCache.Hit<Link> resolveLocal(String code) {
        return links.getLocal(code);
    }

    /** Counts one redirect of {@code link}, by day, referrer host and user-agent family (in memory; flushed in batches). */
    public void click(Link link, String referer, String userAgent) {
        redirects.increment();
        clicks.increment(new Click(link.id(), (int) Math.floorDiv(clock.epochMillis(), 86_400_000L), Click.referrerHost(referer),
                Click.agentFamily(userAgent)));
    }

    public long nowMillis() {
        return clock.epochMillis();
    }

    /** The link as stored, for its owner or an admin. */
    public Future<Outcome<Link>> find(Caller caller, String code) {
        return blocking(() -> store.find(code)).map(found -> owned(caller, code, found));
    }

    /** Applies a PATCH body; once answered, every instance's next redirect of the code follows the change. */
    public Future<Outcome<Link>> change(Caller caller, String code, JsonObject body) {
        Object parsed = rules.change(body, clock.epochMillis());
        if (parsed instanceof Problem p) {
            return Future.succeededFuture(Outcome.refused(p));
        }
        LinkStore.Change change = (LinkStore.Change) parsed;
        return find(caller, code).compose(found -> !found.ok() ? Future.succeededFuture(found)
                : blocking(() -> store.update(code, change, clock.epochMillis())).compose(updated -> updated.isEmpty()
                ? Future.succeededFuture(Outcome.<Link>refused(Problem.notFound(code)))
                : links.put(code, updated.get(), settings.linkLifetime()).map(Outcome.ok(updated.get()))));
    }

    /** Deletes a link (and its clicks); every instance answers 404 for it once this completes. */
    public Future<Outcome<Link>> delete(Caller caller, String code) {
        return find(caller, code).compose(found -> !found.ok() ? Future.succeededFuture(found)
                : blocking(() -> store.delete(code)).compose(deleted -> deleted.isEmpty()
                ? Future.succeededFuture(Outcome.<Link>refused(Problem.notFound(code)))
                : forget(List.of(deleted.get())).map(Outcome.ok(deleted.get().link()))));
    }

    /** Deletes every link of {@code owner}: for admins (a spammer's links, gone on every instance at once). */
    public Future<Outcome<Integer>> deleteByOwner(Caller caller, String owner) {
        if (!caller.admin()) {
            return Future.succeededFuture(Outcome.refused(new Problem(403, "forbidden", "Not allowed",
                    "only an admin may delete another caller's links")));
        }
        return blocking(() -> store.deleteByOwner(owner)).compose(deleted -> forget(deleted).map(Outcome.ok(deleted.size())));
    }

    /** The caller's own links, newest first. */
    public Future<Outcome<List<Link>>> list(Caller caller, long beforeId, int limit) {
        if (!caller.known()) {
            return Future.succeededFuture(Outcome.refused(unauthorized()));
        }
        return blocking(() -> store.byOwner(caller.subject(), beforeId, limit)).map(Outcome::ok);
    }

    /**
     * Clicks of a link over {@code from..to} (UTC days, inclusive; default: the last 30 days), for its owner or an
     * admin. As of the last flush; cached up to {@code statsLifetime}, dropped by a flush that counts the link.
     */
    public Future<Outcome<JsonObject>> stats(Caller caller, String code, String fromParam, String toParam) {
        Object range = LinkStats.range(fromParam, toParam, LocalDate.ofEpochDay(Math.floorDiv(clock.epochMillis(), 86_400_000L)));
        if (range instanceof Problem p) {
            return Future.succeededFuture(Outcome.refused(p));
        }
        return resolve(code).compose(hit -> {
            Outcome<Link> owned = owned(caller, code, Optional.ofNullable(hit.value()));
            return owned.ok() ? stats.of(owned.value(), (LinkStats.Range) range).map(Outcome::ok)
                    : Future.succeededFuture(Outcome.refused(owned.problem()));
        });
    }

    /** Writes clicks counted so far to PostgreSQL: what a test (or a clean stop) calls instead of waiting for the timer. */
    public Future<Long> flushClicks() {
        return clicks.flush();
    }

    /** One purge run now (the timer runs them every {@code purgeEvery}); how many links it deleted, or -1 when another instance was purging. */
    public Future<Integer> purge() {
        return purge.run().map(run -> run.ran() ? run.purged() : -1).onFailure(e -> log.warn("purge run failed: {}", e.getMessage()));
    }

    /** The link cache's statistics. */
    public Map<String, Object> cacheStats() {
        return links.stats();
    }

    private Future<Void> writeClicks(Map<Click, Long> batch) {
        return blocking(() -> {
            clickStore.add(batch);
            return null;
        }).compose(v -> stats.forget(batch.keySet().stream().map(Click::linkId).collect(Collectors.toSet())));
    }

    /** Drops deleted links from every instance's cache (absent at their deletion's version) and their cached stats. */
    private Future<Void> forget(List<LinkStore.Deleted> deleted) {
        List<Future<?>> all = new ArrayList<>();
        for (LinkStore.Deleted d : deleted) {
            all.add(links.putAbsent(d.link().code(), d.version(), settings.absentLifetime()));
        }
        all.add(stats.forget(deleted.stream().map(d -> d.link().id()).toList()));
        return Future.join(all).otherwiseEmpty().mapEmpty();
    }

    private Future<Integer> warm() {
        return new CacheWarmer<Link>("links", meters).warm(settings.warmLinks(),
                n -> blocking(() -> clickStore.hottest(LocalDate.ofEpochDay(Math.floorDiv(clock.epochMillis(), 86_400_000L) - 1), n)),
                codes -> blocking(() -> {
                    Map<String, Link> byCode = new HashMap<>();
                    store.findAll(codes).forEach(l -> byCode.put(l.code(), l));
                    return byCode;
                }),
                (code, link) -> links.fill(code, link, settings.linkLifetime()));
    }

    private static Outcome<Link> owned(Caller caller, String code, Optional<Link> found) {
        if (!caller.known()) {
            return Outcome.refused(unauthorized());
        }
        if (found.isEmpty()) {
            return Outcome.refused(Problem.notFound(code));
        }
        if (!caller.mayManage(found.get())) {
            return Outcome.refused(new Problem(403, "forbidden", "Not your link",
                    "only the link's owner or an admin may see its details and stats, change or delete it"));
        }
        return Outcome.ok(found.get());
    }

    private static Problem unauthorized() {
        return new Problem(401, "unauthorized", "Credentials required", "managing links needs a login or an API key, sent through the gateway");
    }

    private <T> Future<T> blocking(Callable<T> work) {
        return vertx.executeBlocking(work, false);
    }

    /** Stops the timers, flushes the clicks, gives the node id back. Blocks. */
    @Override
    public void close() {
        timers.forEach(vertx::cancelTimer);
        try {
            clicks.closeAndFlush().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("clicks not flushed at stop: {}", e.getMessage());
        }
        try {
            leases.release();
        } catch (SQLException e) {
            log.warn("could not release the node id lease ({}); it expires by itself", e.getMessage());
        }
        if (feed != null) {
            feed.close();
        }
        if (redis != null) {
            redis.close();
        }
    }
}
