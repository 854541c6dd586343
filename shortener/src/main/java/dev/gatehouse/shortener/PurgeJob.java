package dev.gatehouse.shortener;

import dev.gatehouse.cache.RedisLock;
import dev.gatehouse.core.time.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Deletes links that expired more than {@code purgeAfter} ago, in batches of {@code purgeBatch} per short
 * transaction ({@code FOR UPDATE SKIP LOCKED}: it never waits on a link being edited, and holds no lock longer
 * than one batch), on one instance at a time. With Redis, that instance holds a {@link RedisLock} and every
 * batch first writes its fencing token to {@code shortener.fences}, which refuses a token older than one already
 * written: an instance that lost the lock (paused past its expiry) cannot delete after the next holder began.
 * Without Redis, a PostgreSQL advisory lock held by the purging session does the same (it dies with the session).
 * Each batch's links are then dropped from every instance's cache; click rows left by a flush that raced a
 * deletion are deleted too.
 */
final class PurgeJob {
    private static final Logger log = LoggerFactory.getLogger(PurgeJob.class);
    private static final String LOCK = "shortener-purge";
    private static final long ADVISORY_LOCK = 0x5307_9e63L;

    /** What a run did: links purged, and whether it ran at all (false: another instance holds the lock). */
    record Run(int purged, boolean ran) {
    }

    private final Vertx vertx;
    private final DataSource db;
    private final RedisLock lock;
    private final Clock clock;
    private final ShortenerSettings settings;
    private final Function<List<LinkStore.Deleted>, Future<Void>> forget;
    private final Counter purged;
    private final Counter fencedOut;

    /**
     * @param lock the Redis lock, or null to use a PostgreSQL advisory lock
     * @param forget drops a batch's links from the caches (here and on every other instance)
     */
    PurgeJob(Vertx vertx, DataSource db, RedisLock lock, Clock clock, ShortenerSettings settings,
             Function<List<LinkStore.Deleted>, Future<Void>> forget, MeterRegistry meters) {
        this.vertx = vertx;
        this.db = db;
        this.lock = lock;
        this.clock = clock;
        this.settings = settings;
        this.forget = forget;
        this.purged = Counter.builder("shortener.links.purged").description("Expired links the purge job deleted").register(meters);
        this.fencedOut = Counter.builder("shortener.purge.fenced").description("Purge batches refused because a newer lock holder had begun")
                .register(meters);
    }

    /** One run: every expired link past its grace, batch by batch, unless another instance is purging. */
    Future<Run> run() {
        if (lock == null) {
            return vertx.executeBlocking(this::runUnderAdvisoryLock, false).compose(r -> forgetAll(r.deleted).map(r.run));
        }
        Duration ttl = settings.purgeEvery().compareTo(Duration.ofMinutes(1)) < 0 ? Duration.ofMinutes(1) : settings.purgeEvery();
        return lock.tryAcquire(LOCK, ttl).compose(lease -> {
            if (lease == null) {
                return Future.succeededFuture(new Run(0, false));
            }
            return batches(lease, ttl, 0).eventually(() -> lock.release(lease));
        });
    }

    private Future<Run> batches(RedisLock.Lease lease, Duration ttl, int done) {
        if (!lock.valid(lease)) {
            log.warn("the purge lock lapsed after {} links; the next run goes on", done);
            return Future.succeededFuture(new Run(done, true));
        }
        return vertx.executeBlocking(() -> {
            try (Connection c = db.getConnection()) {
                return batch(c, lease.token());
            }
        }, false).compose(deleted -> {
            if (deleted == null) {
                fencedOut.increment();
                log.warn("purge batch refused: a newer holder of the purge lock has begun (token {} is stale)", lease.token());
                return Future.succeededFuture(new Run(done, true));
            }
            Future<Void> forgotten = forget.apply(deleted);
            if (deleted.size() < settings.purgeBatch()) {
                return forgotten.compose(v -> orphans()).map(new Run(done + deleted.size(), true));
            }
            return forgotten.compose(v -> lock.renew(lease, ttl)).compose(renewed -> renewed == null
                    ? Future.succeededFuture(new Run(done + deleted.size(), true))
                    : batches(renewed, ttl, done + deleted.size()));
        });
    }

    private record Blocking(Run run, List<LinkStore.Deleted> deleted) {
    }

    private Blocking runUnderAdvisoryLock() throws SQLException {
        try (Connection c = db.getConnection()) {
            try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                s.setLong(1, ADVISORY_LOCK);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    if (!r.getBoolean(1)) {
                        return new Blocking(new Run(0, false), List.of());
                    }
                }
            }
            try {
                List<LinkStore.Deleted> all = new ArrayList<>();
                List<LinkStore.Deleted> deleted;
                do {
                    deleted = batch(c, 0);
                    all.addAll(deleted);
                } while (deleted.size() == settings.purgeBatch());
                deleteOrphans(c);
                return new Blocking(new Run(all.size(), true), all);
            } finally {
                try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                    s.setLong(1, ADVISORY_LOCK);
                    s.execute();
                }
            }
        }
    }

    private Future<Void> forgetAll(List<LinkStore.Deleted> deleted) {
        List<Future<Void>> each = new ArrayList<>();
        for (int i = 0; i < deleted.size(); i += settings.purgeBatch()) {
            each.add(forget.apply(deleted.subList(i, Math.min(deleted.size(), i + settings.purgeBatch()))));
        }
        return Future.join(each).mapEmpty();
    }

    /**
     * One batch in one transaction: the fence first (token 0: no fence), then the expired links and their
     * clicks. Null when the fence refused the token.
     */
    private List<LinkStore.Deleted> batch(Connection c, long token) throws SQLException {
        c.setAutoCommit(false);
        try {
            if (token > 0) {
                try (PreparedStatement s = c.prepareStatement("UPDATE shortener.fences SET token = ? WHERE name = 'purge' AND token <= ?")) {
                    s.setLong(1, token);
                    s.setLong(2, token);
                    if (s.executeUpdate() == 0) {
                        c.rollback();
                        return null;
                    }
                }
            }
            List<LinkStore.Deleted> deleted = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("DELETE FROM shortener.links WHERE code IN (SELECT code FROM shortener.links "
                    + "WHERE expires_at < ? ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING " + LinkStore.COLUMNS
                    + ", nextval('shortener.link_versions')")) {
                s.setLong(1, clock.epochMillis() - settings.purgeAfter().toMillis());
                s.setInt(2, settings.purgeBatch());
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        deleted.add(new LinkStore.Deleted(LinkStore.read(r), r.getLong(10)));
                    }
                }
            }
            ClickStore.deleteClicks(c, deleted.stream().map(d -> d.link().id()).toList());
            c.commit();
            purged.increment(deleted.size());
            return deleted;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private Future<Void> orphans() {
        return vertx.executeBlocking(() -> {
            try (Connection c = db.getConnection()) {
                deleteOrphans(c);
            }
            return null;
        }, false);
    }

    /**
     * Click rows of links that no longer exist, a batch at a time: a flush that raced the link's deletion writes
     * today's or yesterday's row, so only the last days are looked at (the day index keeps that cheap).
     */
    private void deleteOrphans(Connection c) throws SQLException {
        int deleted;
        do {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM shortener.clicks_daily WHERE ctid IN (SELECT k.ctid FROM "
                    + "shortener.clicks_daily k WHERE k.day >= ? AND NOT EXISTS (SELECT 1 FROM shortener.links l WHERE l.id = k.link_id) LIMIT ?)")) {
                s.setDate(1, java.sql.Date.valueOf(java.time.LocalDate.ofEpochDay(Math.floorDiv(clock.epochMillis(), 86_400_000L) - 2)));
                s.setInt(2, settings.purgeBatch());
                deleted = s.executeUpdate();
            }
        } while (deleted == settings.purgeBatch());
    }
}
