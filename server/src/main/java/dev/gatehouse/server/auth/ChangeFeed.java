package dev.gatehouse.server.auth;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.server.store.Database;
import dev.gatehouse.server.store.PgListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;

/**
 * The receiving end of {@link ChangeNotices}: a {@link PgListener} (to {@code storage.postgres.listenUrl} when set:
 * behind a transaction pooler revocations would go unheard) that hands each notice to its {@link Target}. Whenever it (re)connects, anything may have changed unheard, so
 * it asks the target to re-read everything it holds, and asks again (backing off) until that succeeds: the
 * pool may still be empty when the database comes back, and until a re-read succeeds the target keeps
 * serving what it has rather than dropping it.
 */
final class ChangeFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChangeFeed.class);
    private static final long MIN_BACKOFF_MS = 250;
    private static final long MAX_BACKOFF_MS = 5000;

    /** What the feed keeps current. Both are called on the feed's thread, one at a time. */
    interface Target {
        /** Applies one notice; a failure makes the feed ask for {@link #refresh} instead. */
        void changed(String payload) throws SQLException;

        /** Re-reads everything held from PostgreSQL, replacing each item only with what was read. */
        void refresh() throws SQLException;
    }

    private final Database database;
    private final Target target;
    private final Clock clock;
    private PgListener listener;
    private boolean refreshDue;
    private Retry refresh;

    ChangeFeed(Database database, Clock clock, Target target) {
        this.clock = clock;
        this.database = database;
        this.target = target;
    }

    /** Starts listening on a thread of its own, until {@link #close}. */
    synchronized void start() {
        if (listener != null) {
            throw new IllegalStateException("already started");
        }
        listener = new PgListener(database::openListenConnection, ChangeNotices.CHANNEL, "gatehouse-identity-changes", 100,
                MIN_BACKOFF_MS, MAX_BACKOFF_MS, new PgListener.Handler() {
                    @Override
                    public void connected() {
                        // anything may have changed while we were not listening; notices from now on queue up
                        refreshDue = true;
                        refresh = new Retry();
                    }

                    @Override
                    public boolean between() {
                        if (refreshDue && refresh.due()) {
                            refresh.attempt();
                        }
                        return true;
                    }

                    @Override
                    public void notice(String payload) {
                        try {
                            target.changed(payload);
                        } catch (SQLException | RuntimeException e) {
                            // the notice came, the pool could not read what it names: re-read everything once it can
                            log.warn("could not apply identity change '{}' ({}); re-reading identities", payload, e.getMessage());
                            refreshDue = true;
                        }
                    }

                    @Override
                    public void lost(Exception cause, long retryMillis) {
                        // whatever went wrong, the feed goes on: revocations must keep reaching this node
                        log.warn("lost the identity change feed ({}); reconnecting in {} ms", cause.getMessage(), retryMillis);
                    }
                });
        listener.start();
    }

    /** Re-reads on a backoff of their own, between polls of the feed, so notices are still heard meanwhile. */
    private final class Retry {
        private long backoff = MIN_BACKOFF_MS;
        private long nextAttemptNanos = clock.read();
        private int failures;

        boolean due() {
            return clock.read() - nextAttemptNanos >= 0;
        }

        void attempt() {
            try {
                target.refresh();
                refreshDue = false;
                if (failures > 0) {
                    log.info("identities re-read after {} failed attempt(s)", failures);
                }
                failures = 0;
                backoff = MIN_BACKOFF_MS;
            } catch (SQLException | RuntimeException e) {
                if (failures++ == 0) {
                    log.warn("cannot re-read identities yet ({}); serving what this node knows and retrying", e.getMessage());
                }
                nextAttemptNanos = clock.read() + backoff * 1_000_000;
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (listener != null) {
            listener.close();
        }
    }
}
