package dev.gatehouse.server.auth;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.core.ratelimit.RateLimit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.security.SecureRandom;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** API keys in PostgreSQL. Blocking: call from a worker thread or the CLI, never an event loop. */
public final class KeyStore {
    private static final Logger log = LoggerFactory.getLogger(KeyStore.class);

    /** A key just created: the only time its plaintext exists outside the client. */
    public record Created(String key, ApiKeyRecord record) {
    }

    private static final String COLUMNS = "id, prefix, name, tier, scopes, rate_override, active, expires_at, created_at, revoked_at, last_used_at";

    private final DataSource db;
    private final SecureRandom random = new SecureRandom();

    private final Clock clock;

    /** @param clock the node's clock: what "expired" means in lists */
    public KeyStore(DataSource db, Clock clock) {
        this.clock = clock;
        this.db = db;
    }

    public Created create(String name, String tier, List<String> scopes, List<RateLimit> override, Instant expiresAt) throws SQLException {
        String key = ApiKeys.generate(random);
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO gatehouse_api_keys (key_hash, prefix, name, tier, scopes, rate_override, expires_at) "
                     + "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING " + COLUMNS)) {
            s.setBytes(1, ApiKeys.hash(key));
            s.setString(2, ApiKeys.prefix(key));
            s.setString(3, name);
            s.setString(4, tier);
            s.setArray(5, c.createArrayOf("text", scopes.toArray()));
            s.setArray(6, override == null ? null : c.createArrayOf("text", override.stream().map(RateLimit::text).toArray()));
            s.setTimestamp(7, expiresAt == null ? null : Timestamp.from(expiresAt));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return new Created(key, read(r));
            }
        } catch (SQLException e) {
            if ("23503".equals(e.getSQLState())) {
                throw new IllegalArgumentException("no tier named '" + tier + "'");
            }
            throw e;
        }
    }

    /**
     * Only for {@code gatehouse demo}: the key whose secret is exactly {@code secret} (stored, like every key, as
     * its SHA-256 with its first 8 characters as the prefix), created unless it exists (revoked or not). A node
     * takes such a secret only after {@link Identities#acceptDemoKey}, which only the demo calls.
     */
    public ApiKeyRecord createDemoKey(String secret, String name, String tier, List<String> scopes) throws SQLException {
        if (secret.length() < 8) {
            throw new IllegalArgumentException("a demo key's secret has at least 8 characters, got " + secret.length());
        }
        Optional<ApiKeyRecord> existing = findByHash(ApiKeys.hash(secret));
        if (existing.isPresent()) {
            return existing.get();
        }
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO gatehouse_api_keys (key_hash, prefix, name, tier, scopes) "
                     + "VALUES (?, ?, ?, ?, ?) RETURNING " + COLUMNS)) {
            s.setBytes(1, ApiKeys.hash(secret));
            s.setString(2, secret.substring(0, 8));
            s.setString(3, name);
            s.setString(4, tier);
            s.setArray(5, c.createArrayOf("text", scopes.toArray()));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return read(r);
            }
        }
    }

    public Optional<ApiKeyRecord> findByHash(byte[] hash) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM gatehouse_api_keys WHERE key_hash = ?")) {
            s.setBytes(1, hash);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(read(r)) : Optional.empty();
            }
        }
    }

    /** The stored keys among these SHA-256 hashes (lower-case hex), by hash; one statement for all. */
    public Map<String, ApiKeyRecord> findByHashes(List<String> hexHashes) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT key_hash, " + COLUMNS + " FROM gatehouse_api_keys WHERE key_hash = ANY(?::bytea[])")) {
            s.setArray(1, c.createArrayOf("text", hexHashes.stream().map(h -> "\\x" + h).toArray()));
            Map<String, ApiKeyRecord> found = new HashMap<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    found.put(HexFormat.of().formatHex(r.getBytes("key_hash")), read(r));
                }
            }
            return found;
        }
    }

    /**
     * The key with this id or, failing that, this display prefix (revoked and expired keys included).
     *
     * @throws Conflict when several keys share the prefix
     */
    public Optional<ApiKeyRecord> find(String idOrPrefix) throws SQLException {
        boolean id = idOrPrefix.matches("[0-9]{1,18}");
        boolean prefix = idOrPrefix.matches("[A-Za-z0-9]{8}");
        try (Connection c = db.getConnection()) {
            if (id) {
                List<ApiKeyRecord> byId = select(c, "id = ?", Long.parseLong(idOrPrefix));
                if (!byId.isEmpty()) {
                    return Optional.of(byId.get(0));
                }
            }
            if (!prefix) {
                return Optional.empty();
            }
            List<ApiKeyRecord> byPrefix = select(c, "prefix = ?", idOrPrefix);
            if (byPrefix.size() > 1) {
                throw new Conflict("the prefix " + idOrPrefix + " is shared by keys "
                        + String.join(", ", byPrefix.stream().map(k -> String.valueOf(k.id())).toList()) + "; ask by id");
            }
            return byPrefix.stream().findFirst();
        }
    }

    private static List<ApiKeyRecord> select(Connection c, String condition, Object value) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM gatehouse_api_keys WHERE " + condition + " ORDER BY id LIMIT 10")) {
            s.setObject(1, value);
            List<ApiKeyRecord> keys = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    keys.add(read(r));
                }
            }
            return keys;
        }
    }

    /** Up to {@code limit} keys with ids above {@code afterId}, in id order: one page of the list. */
    public List<ApiKeyRecord> list(long afterId, int limit) throws SQLException {
        return list(Filter.ALL, afterId, limit);
    }

    /**
     * Which keys a list holds, and in what order: a null field matches every key.
     *
     * @param search text the key's name contains (any case), or its display prefix starts with, or its id
     * @param newestFirst highest ids first (then a page's "after" is an id the next page's are below)
     */
    public record Filter(String state, String tier, String search, boolean newestFirst) {
        public static final Filter ALL = new Filter(null, null);

        public Filter {
            if (state != null && !ApiKeyRecord.STATES.contains(state)) {
                throw new IllegalArgumentException("a key's state is one of " + String.join(", ", ApiKeyRecord.STATES) + ", got '" + state + "'");
            }
        }

        public Filter(String state, String tier) {
            this(state, tier, null, false);
        }
    }

    /**
     * Up to {@code limit} keys beyond the id {@code afterId} (above it, or below it newest first; 0 for the first page) that
     * {@code filter} matches, in id order; the states as {@link ApiKeyRecord#state} tells them at this moment.
     */
    public List<ApiKeyRecord> list(Filter filter, long afterId, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM gatehouse_api_keys WHERE ");
        List<Object> params = new ArrayList<>();
        if (filter.newestFirst() && afterId == 0) {
            sql.append("true");
        } else {
            sql.append(filter.newestFirst() ? "id < ?" : "id > ?");
            params.add(afterId);
        }
        where(filter, sql, params);
        params.add(limit);
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement(sql.append(" ORDER BY id").append(filter.newestFirst() ? " DESC" : "").append(" LIMIT ?").toString())) {
            bind(s, params);
            try (ResultSet r = s.executeQuery()) {
                List<ApiKeyRecord> keys = new ArrayList<>();
                while (r.next()) {
                    keys.add(read(r));
                }
                if (keys.isEmpty() && filter.tier() != null && !TierStore.exists(c, filter.tier())) {
                    throw new IllegalArgumentException("no tier named '" + filter.tier() + "'");
                }
                return keys;
            }
        }
    }

    /** How many keys {@code filter} matches in all (its order aside). */
    public long count(Filter filter) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT count(*) FROM gatehouse_api_keys WHERE true");
        List<Object> params = new ArrayList<>();
        where(filter, sql, params);
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql.toString())) {
            bind(s, params);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private void where(Filter filter, StringBuilder sql, List<Object> params) {
        String usable = "active AND revoked_at IS NULL";
        Timestamp now = Timestamp.from(clock.instant());
        if ("active".equals(filter.state())) {
            sql.append(" AND ").append(usable).append(" AND (expires_at IS NULL OR expires_at > ?)");
            params.add(now);
        } else if ("expired".equals(filter.state())) {
            sql.append(" AND ").append(usable).append(" AND expires_at <= ?");
            params.add(now);
        } else if ("revoked".equals(filter.state())) {
            sql.append(" AND NOT (").append(usable).append(")");
        }
        if (filter.tier() != null) {
            sql.append(" AND tier = ?");
            params.add(filter.tier());
        }
        if (filter.search() != null) {
            String like = filter.search().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
            sql.append(" AND (name ILIKE ? OR prefix LIKE ?");
            params.add("%" + like + "%");
            params.add(like + "%");
            if (filter.search().matches("[1-9][0-9]{0,17}")) {
                sql.append(" OR id = ?");
                params.add(Long.parseLong(filter.search()));
            }
            sql.append(")");
        }
    }

    private static void bind(PreparedStatement s, List<Object> params) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            s.setObject(i + 1, params.get(i));
        }
    }

    /**
     * Revokes a key by id or display prefix and tells every node, in one transaction. An argument that is
     * an active key's id means that key; a prefix shared by several active keys revokes none of them.
     *
     * @return false when no active key matched
     */
    public boolean revoke(String idOrPrefix) throws SQLException {
        boolean id = idOrPrefix.matches("[0-9]{1,18}");
        boolean prefix = idOrPrefix.matches("[A-Za-z0-9]{8}");
        if (!id && !prefix) {
            return false; // neither an id nor a display prefix: no key has it
        }
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<byte[]> hashes = id ? revokeWhere(c, "id = ?", Long.parseLong(idOrPrefix)) : List.of();
                if (hashes.isEmpty() && prefix) {
                    hashes = revokeWhere(c, "prefix = ?", idOrPrefix);
                }
                if (hashes.size() > 1) {
                    c.rollback();
                    throw new IllegalArgumentException("the prefix " + idOrPrefix + " is shared by " + hashes.size()
                            + " active keys; revoke by id (see keys list)");
                }
                for (byte[] hash : hashes) {
                    ChangeNotices.send(c, "key:" + HexFormat.of().formatHex(hash));
                }
                c.commit();
                return !hashes.isEmpty();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Marks the active keys that {@code condition} selects revoked; their hashes. */
    private static List<byte[]> revokeWhere(Connection c, String condition, Object value) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE gatehouse_api_keys SET revoked_at = now(), active = false "
                + "WHERE " + condition + " AND revoked_at IS NULL RETURNING key_hash")) {
            s.setObject(1, value);
            List<byte[]> hashes = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    hashes.add(r.getBytes(1));
                }
            }
            return hashes;
        }
    }

    /** Records when keys were last used, many in one statement; never moves a time backwards. */
    public void markUsed(Map<Long, Instant> lastUse) throws SQLException {
        if (lastUse.isEmpty()) {
            return;
        }
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE gatehouse_api_keys k SET last_used_at = v.t "
                     + "FROM unnest(?::bigint[], ?::timestamptz[]) AS v(id, t) "
                     + "WHERE k.id = v.id AND (k.last_used_at IS NULL OR k.last_used_at < v.t)")) {
            Long[] ids = lastUse.keySet().toArray(Long[]::new);
            Timestamp[] times = Arrays.stream(ids).map(id -> Timestamp.from(lastUse.get(id))).toArray(Timestamp[]::new);
            s.setArray(1, c.createArrayOf("bigint", ids));
            s.setArray(2, c.createArrayOf("timestamptz", times));
            s.executeUpdate();
        }
    }


    /** A key's own limits; one written around the API that cannot be read is left out (logged): its tier applies. */
    private static List<RateLimit> override(ResultSet r) throws SQLException {
        try {
            return rates(r.getArray("rate_override"));
        } catch (IllegalArgumentException e) {
            log.warn("key {}'s rate_override is left out: {}; its tier's limits apply",
                    r.getLong("id"), e.getMessage());
            return null;
        }
    }

    static List<RateLimit> rates(Array array) throws SQLException {
        if (array == null) {
            return null;
        }
        List<RateLimit> limits = new ArrayList<>();
        for (Object o : (Object[]) array.getArray()) {
            limits.add(RateLimit.parse((String) o));
        }
        return limits;
    }

    private static ApiKeyRecord read(ResultSet r) throws SQLException {
        Timestamp expires = r.getTimestamp("expires_at");
        Timestamp revoked = r.getTimestamp("revoked_at");
        Timestamp used = r.getTimestamp("last_used_at");
        return new ApiKeyRecord(r.getLong("id"), r.getString("prefix"), r.getString("name"), r.getString("tier"),
                List.of((String[]) r.getArray("scopes").getArray()), override(r), r.getBoolean("active"),
                expires == null ? null : expires.toInstant(), r.getTimestamp("created_at").toInstant(),
                revoked == null ? null : revoked.toInstant(), used == null ? null : used.toInstant());
    }
}
