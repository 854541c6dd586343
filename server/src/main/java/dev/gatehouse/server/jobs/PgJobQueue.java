package dev.gatehouse.server.jobs;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The job queue in PostgreSQL ({@code jobs}): a batch of jobs is one {@code INSERT ... SELECT FROM unnest(...)} and a
 * {@code pg_notify} per queue, in one transaction; a claim takes the oldest due job with {@code FOR UPDATE SKIP LOCKED}
 * (workers on every node share the queue without waiting on each other's locks); every change after a claim names
 * the claim's lease token, so a worker whose lease ended cannot overwrite what the job's next worker did. Times are
 * PostgreSQL's, the one clock all nodes share. Each call is one short transaction on a pooled connection, so the
 * queue works behind PgBouncer in transaction mode (waking up is {@link JobWakeups}' business, on a connection of its own).
 */
public final class PgJobQueue implements JobQueue {
    /** The channel new jobs are announced on, with the queue's name as the payload. */
    public static final String CHANNEL = "gatehouse_jobs";

    private static final String CLAIMED = "id, queue, route, method, target, headers, body, attempts, max_attempts, lease_token, created_at";

    private final DataSource pool;

    public PgJobQueue(DataSource pool) {
        this.pool = pool;
    }

    @Override
    public List<Stored> submit(List<NewJob> jobs) throws Unavailable {
        return store(jobs, false);
    }

    @Override
    public List<Stored> storeAccepted(List<NewJob> jobs) throws Unavailable {
        return store(jobs, true);
    }

    private List<Stored> store(List<NewJob> jobs, boolean accepted) throws Unavailable {
        if (jobs.isEmpty()) {
            return List.of();
        }
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Stored> stored = insert(c, jobs, accepted);
                Set<String> queues = new LinkedHashSet<>();
                for (int i = 0; i < jobs.size(); i++) {
                    if (stored.get(i).result() == Stored.Result.CREATED) {
                        queues.add(jobs.get(i).queue());
                    }
                }
                notify(c, queues);
                c.commit();
                return stored;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new Unavailable("PostgreSQL could not store " + jobs.size() + " job(s): " + e.getMessage(), e);
        }
    }

    private static List<Stored> insert(Connection c, List<NewJob> jobs, boolean accepted) throws SQLException {
        Map<UUID, Instant> created = new HashMap<>();
        Map<UUID, String> states = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO jobs (id, queue, route, owner, idempotency_key, fingerprint, method, target, headers, body, request_id,
                                  max_attempts, run_at, created_at)
                SELECT id, queue, route, owner, key, fingerprint, method, target, headers, body, request_id, max_attempts,
                       timestamptz 'epoch' + created_us * interval '1 microsecond', timestamptz 'epoch' + created_us * interval '1 microsecond'
                FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bytea[], ?::text[], ?::text[], ?::text[], ?::bytea[],
                            ?::text[], ?::int[], ?::bigint[])
                     AS t(id, queue, route, owner, key, fingerprint, method, target, headers, body, request_id, max_attempts, created_us)
                ON CONFLICT DO NOTHING
                RETURNING id, created_at""")) {
            bindJobs(c, s, jobs);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    UUID id = r.getObject(1, UUID.class);
                    created.put(id, r.getTimestamp(2).toInstant());
                    states.put(id, "queued");
                }
            }
        }
        List<Stored> out = new ArrayList<>(jobs.size());
        List<NewJob> others = jobs.stream().filter(j -> !created.containsKey(j.id())).toList();
        Map<UUID, Existing> byId = others.isEmpty() ? Map.of() : existingById(c, others);
        Map<String, Existing> byKey = others.isEmpty() ? Map.of() : existingByKey(c, others);
        List<NewJob> keyless = new ArrayList<>();
        List<UUID[]> aliases = new ArrayList<>();
        for (NewJob job : jobs) {
            if (created.containsKey(job.id())) {
                out.add(new Stored(job.id(), job.id(), Stored.Result.CREATED, "queued", created.get(job.id())));
                continue;
            }
            Existing same = byId.get(job.id());
            if (same != null) { // stored before: a replay after a commit whose acknowledgement was lost
                out.add(new Stored(job.id(), job.id(), Stored.Result.EXISTING, same.state(), same.createdAt()));
                continue;
            }
            Existing holder = byKey.get(job.owner() + '\n' + job.idempotencyKey());
            if (holder == null) {
                throw new SQLException("job " + job.id() + " was neither stored nor found: a conflict on neither its id nor its key");
            }
            if (Arrays.equals(holder.fingerprint(), job.fingerprint())) {
                out.add(new Stored(job.id(), holder.id(), Stored.Result.EXISTING, holder.state(), holder.createdAt()));
                if (accepted) {
                    aliases.add(new UUID[]{job.id(), holder.id()});
                }
            } else if (accepted) {
                keyless.add(job);
                out.add(null); // filled below
            } else {
                out.add(new Stored(job.id(), holder.id(), Stored.Result.KEY_REUSED, holder.state(), holder.createdAt()));
            }
        }
        if (!aliases.isEmpty()) {
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO job_aliases (alias, job) SELECT * FROM unnest(?::uuid[], ?::uuid[]) ON CONFLICT DO NOTHING""")) {
                s.setArray(1, c.createArrayOf("uuid", aliases.stream().map(a -> a[0]).toArray()));
                s.setArray(2, c.createArrayOf("uuid", aliases.stream().map(a -> a[1]).toArray()));
                s.executeUpdate();
            }
        }
        if (!keyless.isEmpty()) {
            // accepted already, for a different request than the key's job: it runs, without the key
            List<NewJob> withoutKey = keyless.stream().map(j -> new NewJob(j.id(), j.queue(), j.route(), j.owner(), null, j.fingerprint(),
                    j.method(), j.target(), j.headers(), j.body(), j.requestId(), j.maxAttempts(), j.createdAt())).toList();
            List<Stored> stored = insert(c, withoutKey, true);
            int next = 0;
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i) == null) {
                    out.set(i, stored.get(next++));
                }
            }
        }
        return out;
    }

    private record Existing(UUID id, byte[] fingerprint, String state, Instant createdAt) {
    }

    private static Map<UUID, Existing> existingById(Connection c, List<NewJob> jobs) throws SQLException {
        Map<UUID, Existing> found = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT id, fingerprint, state, created_at FROM jobs WHERE id = ANY(?)")) {
            s.setArray(1, c.createArrayOf("uuid", jobs.stream().map(NewJob::id).toArray()));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    found.put(r.getObject(1, UUID.class), new Existing(r.getObject(1, UUID.class), r.getBytes(2), r.getString(3),
                            r.getTimestamp(4).toInstant()));
                }
            }
        }
        return found;
    }

    private static Map<String, Existing> existingByKey(Connection c, List<NewJob> jobs) throws SQLException {
        List<NewJob> keyed = jobs.stream().filter(j -> j.idempotencyKey() != null).toList();
        Map<String, Existing> found = new HashMap<>();
        if (keyed.isEmpty()) {
            return found;
        }
        try (PreparedStatement s = c.prepareStatement("""
                SELECT j.owner, j.idempotency_key, j.id, j.fingerprint, j.state, j.created_at
                FROM jobs j JOIN unnest(?::text[], ?::text[]) AS k(owner, key) ON j.owner = k.owner AND j.idempotency_key = k.key""")) {
            s.setArray(1, c.createArrayOf("text", keyed.stream().map(NewJob::owner).toArray()));
            s.setArray(2, c.createArrayOf("text", keyed.stream().map(NewJob::idempotencyKey).toArray()));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    found.put(r.getString(1) + '\n' + r.getString(2), new Existing(r.getObject(3, UUID.class), r.getBytes(4), r.getString(5),
                            r.getTimestamp(6).toInstant()));
                }
            }
        }
        return found;
    }

    private static void bindJobs(Connection c, PreparedStatement s, List<NewJob> jobs) throws SQLException {
        int n = jobs.size();
        Object[] ids = new Object[n];
        Object[] queues = new Object[n];
        Object[] routes = new Object[n];
        Object[] owners = new Object[n];
        Object[] keys = new Object[n];
        byte[][] fingerprints = new byte[n][];
        Object[] methods = new Object[n];
        Object[] targets = new Object[n];
        Object[] headers = new Object[n];
        byte[][] bodies = new byte[n][];
        Object[] requestIds = new Object[n];
        Object[] attempts = new Object[n];
        Object[] createdMicros = new Object[n];
        for (int i = 0; i < n; i++) {
            NewJob j = jobs.get(i);
            ids[i] = j.id();
            queues[i] = j.queue();
            routes[i] = j.route();
            owners[i] = j.owner();
            keys[i] = j.idempotencyKey();
            fingerprints[i] = j.fingerprint();
            methods[i] = j.method();
            targets[i] = j.target();
            headers[i] = j.headers();
            bodies[i] = j.body();
            requestIds[i] = j.requestId();
            attempts[i] = j.maxAttempts();
            createdMicros[i] = j.createdAt().getEpochSecond() * 1_000_000L + j.createdAt().getNano() / 1000;
        }
        s.setArray(1, c.createArrayOf("uuid", ids));
        s.setArray(2, c.createArrayOf("text", queues));
        s.setArray(3, c.createArrayOf("text", routes));
        s.setArray(4, c.createArrayOf("text", owners));
        s.setArray(5, c.createArrayOf("text", keys));
        s.setArray(6, c.createArrayOf("bytea", fingerprints));
        s.setArray(7, c.createArrayOf("text", methods));
        s.setArray(8, c.createArrayOf("text", targets));
        s.setArray(9, c.createArrayOf("text", headers));
        s.setArray(10, c.createArrayOf("bytea", bodies));
        s.setArray(11, c.createArrayOf("text", requestIds));
        s.setArray(12, c.createArrayOf("int4", attempts));
        s.setArray(13, c.createArrayOf("int8", createdMicros));
    }

    private static void notify(Connection c, Collection<String> queues) throws SQLException {
        if (queues.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("SELECT pg_notify('" + CHANNEL + "', q) FROM unnest(?::text[]) AS q")) {
            s.setArray(1, c.createArrayOf("text", queues.toArray()));
            s.execute();
        }
    }

    @Override
    public Optional<Claim> claim(String queue, String worker, Duration lease) throws Unavailable {
        UUID token = UUID.randomUUID();
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement("""
                UPDATE jobs SET state = 'running', lease_token = ?, leased_by = ?, claims = claims + 1, started_at = clock_timestamp(),
                                lease_until = clock_timestamp() + ? * interval '1 millisecond'
                WHERE id = (SELECT id FROM jobs WHERE queue = ? AND state = 'queued' AND run_at <= now()
                            ORDER BY run_at, seq LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING""" + " " + CLAIMED)) {
            s.setObject(1, token);
            s.setString(2, worker);
            s.setLong(3, lease.toMillis());
            s.setString(4, queue);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Claim(r.getObject(1, UUID.class), r.getString(2), r.getString(3), r.getString(4), r.getString(5),
                        r.getString(6), r.getBytes(7), r.getInt(8), r.getInt(9), r.getObject(10, UUID.class), r.getTimestamp(11).toInstant()));
            }
        } catch (SQLException e) {
            throw new Unavailable("PostgreSQL could not hand out a job of queue '" + queue + "': " + e.getMessage(), e);
        }
    }

    @Override
    public List<UUID> extend(Collection<Claim> claims, Duration lease) throws Unavailable {
        if (claims.isEmpty()) {
            return List.of();
        }
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement("""
                UPDATE jobs j SET lease_until = clock_timestamp() + ? * interval '1 millisecond'
                FROM unnest(?::uuid[], ?::uuid[]) AS h(id, token)
                WHERE j.id = h.id AND j.lease_token = h.token AND j.state = 'running'
                RETURNING j.lease_token""")) {
            s.setLong(1, lease.toMillis());
            s.setArray(2, c.createArrayOf("uuid", claims.stream().map(Claim::id).toArray()));
            s.setArray(3, c.createArrayOf("uuid", claims.stream().map(Claim::leaseToken).toArray()));
            List<UUID> held = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    held.add(r.getObject(1, UUID.class));
                }
            }
            return held;
        } catch (SQLException e) {
            throw new Unavailable("PostgreSQL could not renew " + claims.size() + " lease(s): " + e.getMessage(), e);
        }
    }

    @Override
    public boolean finish(Claim claim, Outcome outcome) throws Unavailable {
        String state;
        int attempt = 1;
        Duration wait = null;
        Answer answer = null;
        String error = null;
        if (outcome instanceof Outcome.Succeeded s) {
            state = "succeeded";
            answer = s.answer();
        } else if (outcome instanceof Outcome.Failed f) {
            state = "failed";
            answer = f.answer();
            error = f.error();
        } else if (outcome instanceof Outcome.Retry r) {
            state = "queued";
            wait = r.delay();
            answer = r.answer();
            error = r.error();
        } else if (outcome instanceof Outcome.Dead d) {
            state = "dead";
            answer = d.answer();
            error = d.error();
        } else {
            state = "queued";
            attempt = 0;
            wait = ((Outcome.Released) outcome).delay();
        }
        boolean released = outcome instanceof Outcome.Released;
        boolean finished = !state.equals("queued");
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("""
                    UPDATE jobs SET state = ?, attempts = attempts + ?, claims = claims - ?,
                                    run_at = CASE WHEN ?::bigint IS NULL THEN run_at ELSE clock_timestamp() + ?::bigint * interval '1 millisecond' END,
                                    finished_at = CASE WHEN ? THEN clock_timestamp() END,
                                    result_status = CASE WHEN ? THEN result_status ELSE ? END,
                                    result_headers = CASE WHEN ? THEN result_headers ELSE ? END,
                                    result_body = CASE WHEN ? THEN result_body ELSE ? END,
                                    result_bytes = CASE WHEN ? THEN result_bytes ELSE ? END,
                                    last_error = CASE WHEN ? THEN last_error ELSE ? END,
                                    lease_token = NULL, leased_by = NULL, lease_until = NULL
                    WHERE id = ? AND lease_token = ? AND state = 'running'
                    RETURNING queue""")) {
                int i = 1;
                s.setString(i++, state);
                s.setInt(i++, attempt);
                s.setInt(i++, released ? 1 : 0);
                Long waitMillis = wait == null ? null : Math.max(0, wait.toMillis());
                s.setObject(i++, waitMillis, java.sql.Types.BIGINT);
                s.setObject(i++, waitMillis, java.sql.Types.BIGINT);
                s.setBoolean(i++, finished);
                s.setBoolean(i++, released);
                s.setObject(i++, answer == null ? null : answer.status(), java.sql.Types.INTEGER);
                s.setBoolean(i++, released);
                s.setString(i++, answer == null ? null : answer.headers());
                s.setBoolean(i++, released);
                s.setBytes(i++, answer == null ? null : answer.body());
                s.setBoolean(i++, released);
                s.setObject(i++, answer == null ? null : answer.bytes(), java.sql.Types.BIGINT);
                s.setBoolean(i++, released);
                s.setString(i++, error);
                s.setObject(i++, claim.id());
                s.setObject(i, claim.leaseToken());
                boolean held;
                try (ResultSet r = s.executeQuery()) {
                    held = r.next();
                }
                if (held && state.equals("queued") && (wait == null || wait.isZero())) {
                    notify(c, List.of(claim.queue()));
                }
                c.commit();
                return held;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new Unavailable("PostgreSQL could not record how job " + claim.id() + " went: " + e.getMessage(), e);
        }
    }

    @Override
    public int requeueExpired(int maxClaims) throws Unavailable {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("""
                    UPDATE jobs SET state = CASE WHEN claims >= ? THEN 'dead' ELSE 'queued' END,
                                    finished_at = CASE WHEN claims >= ? THEN clock_timestamp() END,
                                    last_error = CASE WHEN claims >= ?
                                        THEN 'claimed ' || claims || ' times without an outcome: its worker stopped before finishing each time'
                                        ELSE last_error END,
                                    lease_token = NULL, leased_by = NULL, lease_until = NULL
                    WHERE state = 'running' AND lease_until < clock_timestamp()
                    RETURNING queue, state""")) {
                s.setInt(1, maxClaims);
                s.setInt(2, maxClaims);
                s.setInt(3, maxClaims);
                int count = 0;
                Set<String> queues = new LinkedHashSet<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        count++;
                        if (r.getString(2).equals("queued")) {
                            queues.add(r.getString(1));
                        }
                    }
                }
                notify(c, queues);
                c.commit();
                return count;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new Unavailable("PostgreSQL could not requeue jobs whose leases ended: " + e.getMessage(), e);
        }
    }
}
