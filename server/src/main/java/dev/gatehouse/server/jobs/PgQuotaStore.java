package dev.gatehouse.server.jobs;

import dev.gatehouse.core.jobs.QuotaPlan;
import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.Step;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The quota in PostgreSQL ({@code job_quotas}), for nodes without Redis: a slot is one short transaction that locks the
 * upstream's row, reads PostgreSQL's clock, steps the same GCRA the in-process and Redis limiters use over the pace's
 * slots ({@link QuotaStore#slots}), and writes the state back with the window counts. The row lock orders every node's
 * workers.
 */
public final class PgQuotaStore implements QuotaStore {
    private final DataSource pool;

    public PgQuotaStore(DataSource pool) {
        this.pool = pool;
    }

    @Override
    public Slot take(String upstream, QuotaPlan plan) throws SQLException {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                Slot wait = take(c, upstream, plan);
                c.commit();
                return wait;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static Slot take(Connection c, String upstream, QuotaPlan plan) throws SQLException {
        ensureRow(c, upstream);
        long tat;
        long rem;
        long now;
        long pausedUntil;
        Long[] starts;
        Long[] calls;
        try (PreparedStatement s = c.prepareStatement("""
                SELECT tat_us, tat_rem, coalesce((extract(epoch FROM paused_until) * 1000000)::bigint, 0),
                       window_starts, window_calls, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
                FROM job_quotas WHERE upstream = ? FOR UPDATE""")) {
            s.setString(1, upstream);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                tat = r.getLong(1);
                rem = r.getLong(2);
                pausedUntil = r.getLong(3);
                starts = (Long[]) r.getArray(4).getArray();
                calls = (Long[]) r.getArray(5).getArray();
                now = r.getLong(6);
            }
        }
        if (pausedUntil > now) {
            return Slot.later(pausedUntil - now);
        }
        Step step = Algorithm.GCRA.step(new long[]{tat, rem}, now, 1, QuotaStore.slots(plan));
        if (!step.decision().allowed()) {
            return QuotaStore.slot(step.decision(), plan);
        }
        List<QuotaPlan.Window> windows = plan.windows();
        Long[] nextStarts = new Long[windows.size()];
        Long[] nextCalls = new Long[windows.size()];
        for (int i = 0; i < windows.size(); i++) {
            long start = QuotaPlan.windowStart(windows.get(i).limit(), now);
            boolean same = i < starts.length && starts[i] != null && starts[i] == start && i < calls.length;
            nextStarts[i] = start;
            nextCalls[i] = (same ? calls[i] : 0) + 1;
        }
        try (PreparedStatement s = c.prepareStatement("""
                UPDATE job_quotas SET tat_us = ?, tat_rem = ?, window_starts = ?, window_calls = ? WHERE upstream = ?""")) {
            s.setLong(1, step.state()[0]);
            s.setLong(2, step.state()[1]);
            s.setArray(3, c.createArrayOf("int8", nextStarts));
            s.setArray(4, c.createArrayOf("int8", nextCalls));
            s.setString(5, upstream);
            s.executeUpdate();
        }
        return QuotaStore.slot(step.decision(), plan);
    }

    private static void ensureRow(Connection c, String upstream) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO job_quotas (upstream) VALUES (?) ON CONFLICT DO NOTHING")) {
            s.setString(1, upstream);
            s.executeUpdate();
        }
    }

    @Override
    public void pause(String upstream, Duration pause) throws SQLException {
        try (Connection c = pool.getConnection()) {
            ensureRow(c, upstream);
            try (PreparedStatement s = c.prepareStatement("""
                    UPDATE job_quotas SET paused_until = greatest(coalesce(paused_until, clock_timestamp()),
                                                                  clock_timestamp() + ? * interval '1 millisecond')
                    WHERE upstream = ?""")) {
                s.setLong(1, pause.toMillis());
                s.setString(2, upstream);
                s.executeUpdate();
            }
        }
    }

    @Override
    public long pausedMillis(String upstream) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement("""
                SELECT greatest(0, ceil(extract(epoch FROM paused_until - clock_timestamp()) * 1000))::bigint
                FROM job_quotas WHERE upstream = ? AND paused_until IS NOT NULL""")) {
            s.setString(1, upstream);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getLong(1) : 0;
            }
        }
    }

    @Override
    public List<Long> used(String upstream, QuotaPlan plan) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement("""
                SELECT window_starts, window_calls, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
                FROM job_quotas WHERE upstream = ?""")) {
            s.setString(1, upstream);
            List<Long> used = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                Long[] starts = r.next() ? (Long[]) r.getArray(1).getArray() : new Long[0];
                Long[] calls = starts.length == 0 ? new Long[0] : (Long[]) r.getArray(2).getArray();
                long now = starts.length == 0 ? 0 : r.getLong(3);
                for (int i = 0; i < plan.windows().size(); i++) {
                    boolean current = i < starts.length && starts[i] != null
                            && starts[i] == QuotaPlan.windowStart(plan.windows().get(i).limit(), now);
                    used.add(current ? calls[i] : 0L);
                }
            }
            return used;
        }
    }
}
