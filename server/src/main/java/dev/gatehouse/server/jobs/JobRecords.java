package dev.gatehouse.server.jobs;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What is known of jobs in PostgreSQL, for clients polling theirs, operators and the admin API: one job (by its id or an
 * alias of it), a queue's depth by state, a job's place in its queue, pages of jobs by state, and the operator's
 * actions (replay dead or failed jobs, delete one) and retention. Blocking: call off the event loops.
 */
public final class JobRecords {
    /** Past this many jobs ahead, a job's place is reported as this (counting further costs more than it tells). */
    public static final int MAX_POSITION = 100_000;

    private static final String COLUMNS = "id, seq, queue, route, owner, idempotency_key, state, method, target, request_id, attempts, "
            + "max_attempts, run_at, created_at, started_at, finished_at, result_status, result_headers, result_body, result_bytes, "
            + "last_error, leased_by";

    private final DataSource pool;

    public JobRecords(DataSource pool) {
        this.pool = pool;
    }

    /** A job's states, as stored (and as clients read them, with {@code accepted} for a job still on a node's disk). */
    public enum State {
        QUEUED, RUNNING, SUCCEEDED, FAILED, DEAD;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static State of(String label) {
            return valueOf(label.toUpperCase(java.util.Locale.ROOT));
        }

        /** Labels, in order, for messages. */
        public static List<String> labels() {
            return java.util.Arrays.stream(values()).map(State::label).toList();
        }
    }

    /** One job as stored. {@code resultBody} is what was kept of the answer; {@code resultBytes} its whole length. */
    public record Job(UUID id, long seq, String queue, String route, String owner, String idempotencyKey, State state, String method,
                      String target, String requestId, int attempts, int maxAttempts, Instant runAt, Instant createdAt, Instant startedAt,
                      Instant finishedAt, Integer resultStatus, String resultHeaders, byte[] resultBody, Long resultBytes, String lastError,
                      String leasedBy) {
    }

    /** A queue's jobs by state, and how long its oldest due job has waited (zero when none waits). */
    /**
     * A queue's depth by state and how long its oldest due job had waited, as counted at {@code countedAt} (the
     * database's clock).
     */
    public record Depth(String queue, Map<State, Long> byState, Duration oldestWaiting, Instant countedAt) {
        public long of(State state) {
            return byState.getOrDefault(state, 0L);
        }
    }

    /** This database's identity (what spool segments are written for): they are replayed into it alone. */
    public String databaseId() throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement("SELECT id FROM request_log_database");
             ResultSet r = s.executeQuery()) {
            if (!r.next()) {
                throw new SQLException("request_log_database is empty: the database was not migrated by Gatehouse");
            }
            return r.getString(1);
        }
    }

    /** The job {@code id} names: itself, or the job it is an alias of. */
    public Optional<Job> find(UUID id) throws SQLException {
        try (Connection c = pool.getConnection()) {
            Optional<Job> job = byId(c, id);
            if (job.isPresent()) {
                return job;
            }
            try (PreparedStatement s = c.prepareStatement("SELECT job FROM job_aliases WHERE alias = ?")) {
                s.setObject(1, id);
                try (ResultSet r = s.executeQuery()) {
                    return r.next() ? byId(c, r.getObject(1, UUID.class)) : Optional.empty();
                }
            }
        }
    }

    private static Optional<Job> byId(Connection c, UUID id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM jobs WHERE id = ?")) {
            s.setObject(1, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(job(r)) : Optional.empty();
            }
        }
    }

    /** Queued jobs of its queue that go before {@code job} (at most {@link #MAX_POSITION}). */
    public long position(Job job) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement("""
                SELECT count(*) FROM (SELECT 1 FROM jobs WHERE queue = ? AND state = 'queued' AND (run_at, seq) < (?, ?) LIMIT ?) ahead""")) {
            s.setString(1, job.queue());
            s.setTimestamp(2, Timestamp.from(job.runAt()));
            s.setLong(3, job.seq());
            s.setInt(4, MAX_POSITION);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    /** The depth of each of {@code queues} (listed whether or not they hold jobs), counted now. */
    public List<Depth> depths(List<String> queues) throws SQLException {
        List<Depth> out = new ArrayList<>();
        try (Connection c = pool.getConnection()) {
            for (String queue : queues) {
                out.add(count(c, queue));
            }
        }
        return out;
    }

    /**
     * The depth of each of {@code queues} as the cluster last counted it, no longer than {@code maxAge} ago on the
     * database's clock: a queue counted earlier is counted again by this node if it takes the queue's advisory lock (and
     * stored for the others), else read as another node is counting it. So however many nodes ask every second, a
     * queue is counted about once a second.
     */
    public List<Depth> sharedDepths(List<String> queues, Duration maxAge) throws SQLException {
        List<Depth> out = new ArrayList<>();
        try (Connection c = pool.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                for (String queue : queues) {
                    out.add(shared(c, queue, maxAge));
                    c.commit(); // ends the queue's advisory lock
                }
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
        return out;
    }

    private Depth shared(Connection c, String queue, Duration maxAge) throws SQLException {
        Depth stored = null;
        try (PreparedStatement s = c.prepareStatement("""
                SELECT queued, running, succeeded, failed, dead, oldest_ms, counted_at,
                       clock_timestamp() - counted_at < ? * interval '1 millisecond'
                FROM job_depths WHERE queue = ?""")) {
            s.setLong(1, maxAge.toMillis());
            s.setString(2, queue);
            try (ResultSet r = s.executeQuery()) {
                if (r.next()) {
                    Map<State, Long> byState = new EnumMap<>(State.class);
                    for (State state : State.values()) {
                        byState.put(state, r.getLong(state.ordinal() + 1));
                    }
                    stored = new Depth(queue, byState, Duration.ofMillis(r.getLong(6)), r.getTimestamp(7).toInstant());
                    if (r.getBoolean(8)) {
                        return stored;
                    }
                }
            }
        }
        boolean counting;
        try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_xact_lock(hashtext('gatehouse.job_depths'), hashtext(?))")) {
            s.setString(1, queue);
            try (ResultSet r = s.executeQuery()) {
                counting = r.next() && r.getBoolean(1);
            }
        }
        if (!counting && stored != null) {
            return stored; // another node is counting it now
        }
        Depth counted = count(c, queue);
        if (counting) {
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO job_depths (queue, queued, running, succeeded, failed, dead, oldest_ms, counted_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (queue) DO UPDATE SET queued = excluded.queued, running = excluded.running,
                        succeeded = excluded.succeeded, failed = excluded.failed, dead = excluded.dead,
                        oldest_ms = excluded.oldest_ms, counted_at = excluded.counted_at""")) {
                s.setString(1, queue);
                for (State state : State.values()) {
                    s.setLong(state.ordinal() + 2, counted.of(state));
                }
                s.setLong(7, counted.oldestWaiting().toMillis());
                s.setTimestamp(8, Timestamp.from(counted.countedAt()));
                s.executeUpdate();
            }
        }
        return counted;
    }

    /** Counts one queue's jobs by state, and its oldest due job's wait. */
    private static Depth count(Connection c, String queue) throws SQLException {
        Map<State, Long> byState = new EnumMap<>(State.class);
        try (PreparedStatement s = c.prepareStatement("SELECT state, count(*) FROM jobs WHERE queue = ? GROUP BY state")) {
            s.setString(1, queue);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    byState.put(State.of(r.getString(1)), r.getLong(2));
                }
            }
        }
        Duration oldest = Duration.ZERO;
        Instant at;
        try (PreparedStatement s = c.prepareStatement("""
                SELECT extract(epoch FROM clock_timestamp() - min(run_at)), clock_timestamp() FROM jobs
                WHERE queue = ? AND state = 'queued' AND run_at <= now()""")) {
            s.setString(1, queue);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                if (r.getObject(1) != null) {
                    oldest = Duration.ofMillis(Math.max(0, (long) (r.getDouble(1) * 1000)));
                }
                at = r.getTimestamp(2).toInstant();
            }
        }
        return new Depth(queue, byState, oldest, at);
    }

    /** Jobs after {@code afterSeq} in queue order, of a queue and a state when given (null: any), at most {@code limit}. */
    public List<Job> list(String queue, State state, long afterSeq, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM jobs WHERE seq > ?");
        if (queue != null) {
            sql.append(" AND queue = ?");
        }
        if (state != null) {
            sql.append(" AND state = ?");
        }
        sql.append(" ORDER BY seq LIMIT ?");
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(sql.toString())) {
            int i = 1;
            s.setLong(i++, afterSeq);
            if (queue != null) {
                s.setString(i++, queue);
            }
            if (state != null) {
                s.setString(i++, state.label());
            }
            s.setInt(i, limit);
            List<Job> jobs = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    jobs.add(job(r));
                }
            }
            return jobs;
        }
    }

    /**
     * Puts dead or failed jobs back in their queues with their attempts afresh: the one {@code id} names, else those of
     * {@code queue} (null: any) in {@code state}; returns how many. A job in another state is left as it is.
     */
    public int replay(UUID id, String queue, State state) throws SQLException {
        if (state != null && state != State.DEAD && state != State.FAILED) {
            throw new IllegalArgumentException("only dead or failed jobs are replayed, not " + state.label() + " ones");
        }
        StringBuilder sql = new StringBuilder("""
                UPDATE jobs SET state = 'queued', attempts = 0, claims = 0, run_at = clock_timestamp(), finished_at = NULL
                WHERE state IN ('dead', 'failed')""");
        if (id != null) {
            sql.append(" AND id = ?");
        }
        if (queue != null) {
            sql.append(" AND queue = ?");
        }
        if (state != null) {
            sql.append(" AND state = ?");
        }
        sql.append(" RETURNING queue");
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement(sql.toString())) {
                int i = 1;
                if (id != null) {
                    s.setObject(i++, id);
                }
                if (queue != null) {
                    s.setString(i++, queue);
                }
                if (state != null) {
                    s.setString(i, state.label());
                }
                int count = 0;
                java.util.Set<String> queues = new java.util.TreeSet<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        count++;
                        queues.add(r.getString(1));
                    }
                }
                try (PreparedStatement n = c.prepareStatement("SELECT pg_notify('" + PgJobQueue.CHANNEL + "', q) FROM unnest(?::text[]) AS q")) {
                    n.setArray(1, c.createArrayOf("text", queues.toArray()));
                    n.execute();
                }
                c.commit();
                return count;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Deletes a job (a worker holding it then finds it gone, and its outcome is dropped); false when there was none. */
    public boolean delete(UUID id) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement("DELETE FROM jobs WHERE id = ?")) {
            s.setObject(1, id);
            return s.executeUpdate() == 1;
        }
    }

    /** Deletes up to {@code batch} jobs finished before {@code before}, and aliases as old; returns how many jobs. */
    public int deleteFinished(Instant before, int batch) throws SQLException {
        try (Connection c = pool.getConnection()) {
            int deleted;
            try (PreparedStatement s = c.prepareStatement("""
                    DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE finished_at < ? LIMIT ?)""")) {
                s.setTimestamp(1, Timestamp.from(before));
                s.setInt(2, batch);
                deleted = s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM job_aliases WHERE created_at < ?")) {
                s.setTimestamp(1, Timestamp.from(before));
                s.executeUpdate();
            }
            return deleted;
        }
    }

    private static Job job(ResultSet r) throws SQLException {
        return new Job(r.getObject("id", UUID.class), r.getLong("seq"), r.getString("queue"), r.getString("route"), r.getString("owner"),
                r.getString("idempotency_key"), State.of(r.getString("state")), r.getString("method"), r.getString("target"),
                r.getString("request_id"), r.getInt("attempts"), r.getInt("max_attempts"), instant(r, "run_at"), instant(r, "created_at"),
                instant(r, "started_at"), instant(r, "finished_at"), (Integer) r.getObject("result_status"), r.getString("result_headers"),
                r.getBytes("result_body"), (Long) r.getObject("result_bytes"), r.getString("last_error"), r.getString("leased_by"));
    }

    private static Instant instant(ResultSet r, String column) throws SQLException {
        Timestamp t = r.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
