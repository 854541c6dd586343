package dev.gatehouse.server.auth;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.core.identity.PasswordHasher;

import javax.sql.DataSource;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/** Users and their sessions in PostgreSQL. Blocking (and password checks are slow): call off the event loop. */
public final class UserStore {

    /** A user as stored, without the password hash. */
    public record User(long id, String email, String role, String tier) {
    }

    /** A new session: its token (shown to the client once) and expiry. */
    public record Session(String token, Instant expiresAt, User user) {
    }

    private final DataSource db;
    private final Clock clock;
    private final PasswordHasher hasher;
    private final SecureRandom random = new SecureRandom();
    /** Verified against when the email is unknown, so both answers take as long. */
    private final String decoy;

    /** @param clock the node's clock: sessions start and end by it */
    public UserStore(DataSource db, int passwordIterations, Clock clock) {
        this.db = db;
        this.clock = clock;
        this.hasher = new PasswordHasher(passwordIterations);
        this.decoy = hasher.hash("decoy-" + random.nextLong());
    }

    public User create(String email, String password, String role, String tier) throws SQLException {
        if (password.length() < 8) {
            throw new IllegalArgumentException("a password needs at least 8 characters");
        }
        return insert(email, password, role, tier);
    }

    /**
     * Only for {@code gatehouse demo}: the reference walkthrough's passwords ({@code user123}) are shorter
     * than the policy {@link #create} enforces.
     */
    public User createDemoUser(String email, String password, String role, String tier) throws SQLException {
        return insert(email, password, role, tier);
    }

    private User insert(String email, String password, String role, String tier) throws SQLException {
        String normalized = normalizedEmail(email);
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException("role must be admin or user, got '" + role + "'");
        }
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO gatehouse_users (email, password_hash, role, tier) VALUES (?, ?, ?, ?) "
                     + "RETURNING id, email, role, tier")) {
            s.setString(1, normalized);
            s.setString(2, hasher.hash(password));
            s.setString(3, role);
            s.setString(4, tier);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return new User(r.getLong(1), r.getString(2), r.getString(3), r.getString(4));
            }
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                throw new EmailTaken(normalized);
            }
            if ("23503".equals(e.getSQLState())) {
                throw new IllegalArgumentException("no tier named '" + tier + "'");
            }
            throw e;
        }
    }

    /** An email as stored: trimmed and lower-cased; refused unless it has the shape of an address. */
    private static String normalizedEmail(String email) {
        String normalized = email.trim().toLowerCase(Locale.ROOT);
        if (!normalized.matches("[^@\\s]+@[^@\\s]+")) {
            throw new IllegalArgumentException("'" + email + "' is not an email address");
        }
        return normalized;
    }

    /** Another user has this email (compared lower-cased): a conflict, not a malformed request. */
    public static final class EmailTaken extends Conflict {
        EmailTaken(String email) {
            super("a user with email " + email + " already exists");
        }
    }

    /** Up to {@code limit} users with ids above {@code afterId}, in id order: one page of the list. */
    public java.util.List<User> list(long afterId, int limit) throws SQLException {
        return list(null, null, afterId, limit);
    }

    /** The roles a user has one of. */
    public static final java.util.List<String> ROLES = java.util.List.of("admin", "user");

    /** Up to {@code limit} users with ids above {@code afterId}, by id, of {@code role} and {@code tier} where not null. */
    public java.util.List<User> list(String role, String tier, long afterId, int limit) throws SQLException {
        return list(role, tier, null, afterId, limit);
    }

    /** The same, of those whose email contains {@code search} (any case) where not null. */
    public java.util.List<User> list(String role, String tier, String search, long afterId, int limit) throws SQLException {
        if (role != null && !ROLES.contains(role)) {
            throw new IllegalArgumentException("a user's role is one of " + String.join(", ", ROLES) + ", got '" + role + "'");
        }
        java.util.List<Object> params = new java.util.ArrayList<>(java.util.List.of(afterId));
        String sql = "SELECT id, email, role, tier FROM gatehouse_users WHERE id > ?" + where(role, tier, search, params) + " ORDER BY id LIMIT ?";
        params.add(limit);
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.size(); i++) {
                s.setObject(i + 1, params.get(i));
            }
            try (ResultSet r = s.executeQuery()) {
                java.util.List<User> users = new java.util.ArrayList<>();
                while (r.next()) {
                    users.add(new User(r.getLong(1), r.getString(2), r.getString(3), r.getString(4)));
                }
                if (users.isEmpty() && tier != null && !TierStore.exists(c, tier)) {
                    throw new IllegalArgumentException("no tier named '" + tier + "'");
                }
                return users;
            }
        }
    }

    /** How many users {@code role}, {@code tier} and {@code search} match, as {@link #list} takes them. */
    public long count(String role, String tier, String search) throws SQLException {
        java.util.List<Object> params = new java.util.ArrayList<>();
        String sql = "SELECT count(*) FROM gatehouse_users WHERE true" + where(role, tier, search, params);
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.size(); i++) {
                s.setObject(i + 1, params.get(i));
            }
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private static String where(String role, String tier, String search, java.util.List<Object> params) {
        StringBuilder sql = new StringBuilder();
        if (role != null) {
            sql.append(" AND role = ?");
            params.add(role);
        }
        if (tier != null) {
            sql.append(" AND tier = ?");
            params.add(tier);
        }
        if (search != null) {
            sql.append(" AND email LIKE ?");
            params.add("%" + search.toLowerCase(Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
        }
        return sql.toString();
    }

    /** The user with this id. */
    public Optional<User> find(long id) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT id, email, role, tier FROM gatehouse_users WHERE id = ?")) {
            s.setLong(1, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(new User(r.getLong(1), r.getString(2), r.getString(3), r.getString(4))) : Optional.empty();
            }
        }
    }

    /** What an update changes; a null field stays as it is. */
    public record Changes(String email, String password, String role, String tier) {
        public boolean none() {
            return email == null && password == null && role == null && tier == null;
        }
    }

    /**
     * Applies {@code changes} to a user and tells every node, whose cached sessions of the user are then
     * read again. A new password or role ends the user's sessions: whoever holds one logs in again.
     *
     * @return the user as changed, or empty when there is no such user
     */
    public Optional<User> update(long id, Changes changes) throws SQLException {
        String email = changes.email() == null ? null : normalizedEmail(changes.email());
        if (changes.password() != null && changes.password().length() < 8) {
            throw new IllegalArgumentException("a password needs at least 8 characters");
        }
        if (changes.role() != null && !ROLES.contains(changes.role())) {
            throw new IllegalArgumentException("role must be admin or user, got '" + changes.role() + "'");
        }
        String hash = changes.password() == null ? null : hasher.hash(changes.password());
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                Optional<User> before = lockedUser(c, id);
                if (before.isEmpty()) {
                    c.rollback();
                    return Optional.empty();
                }
                User user;
                try (PreparedStatement s = c.prepareStatement("UPDATE gatehouse_users SET email = coalesce(?, email), "
                        + "password_hash = coalesce(?, password_hash), role = coalesce(?, role), tier = coalesce(?, tier) "
                        + "WHERE id = ? RETURNING id, email, role, tier")) {
                    s.setString(1, email);
                    s.setString(2, hash);
                    s.setString(3, changes.role());
                    s.setString(4, changes.tier());
                    s.setLong(5, id);
                    try (ResultSet r = s.executeQuery()) {
                        r.next();
                        user = new User(r.getLong(1), r.getString(2), r.getString(3), r.getString(4));
                    }
                }
                if (hash != null || !user.role().equals(before.get().role())) {
                    endSessions(c, id);
                }
                ChangeNotices.send(c, "user:" + id);
                c.commit();
                return Optional.of(user);
            } catch (SQLException e) {
                c.rollback();
                if ("23505".equals(e.getSQLState())) {
                    throw new EmailTaken(email);
                }
                if ("23503".equals(e.getSQLState())) {
                    throw new IllegalArgumentException("no tier named '" + changes.tier() + "'");
                }
                throw e;
            }
        }
    }

    /** Deletes a user, and with it every session of theirs, on every node. @return false when there is no such user */
    public boolean delete(long id) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("DELETE FROM gatehouse_users WHERE id = ?")) {
                s.setLong(1, id);
                boolean deleted = s.executeUpdate() > 0; // sessions go with it (ON DELETE CASCADE)
                if (deleted) {
                    ChangeNotices.send(c, "user:" + id);
                }
                c.commit();
                return deleted;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static Optional<User> lockedUser(Connection c, long id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT id, email, role, tier FROM gatehouse_users WHERE id = ? FOR UPDATE")) {
            s.setLong(1, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(new User(r.getLong(1), r.getString(2), r.getString(3), r.getString(4))) : Optional.empty();
            }
        }
    }

    private static void endSessions(Connection c, long userId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM gatehouse_sessions WHERE user_id = ?")) {
            s.setLong(1, userId);
            s.executeUpdate();
        }
    }

    public boolean exists(String email) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement("SELECT 1 FROM gatehouse_users WHERE email = ?")) {
            s.setString(1, email.trim().toLowerCase(Locale.ROOT));
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }

    public boolean anyAdmin() throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement("SELECT 1 FROM gatehouse_users WHERE role = 'admin' AND NOT disabled");
             ResultSet r = s.executeQuery()) {
            return r.next();
        }
    }

    /**
     * Creates this admin, on the {@code enterprise} tier, unless an enabled admin exists already: how a
     * deployment gets its first one from configuration.
     *
     * @return whether it was created
     */
    public boolean createFirstAdmin(String email, String password) throws SQLException {
        if (anyAdmin()) {
            return false;
        }
        create(email, password, "admin", "enterprise");
        return true;
    }

    /** A new session when the email and password match an enabled user; empty otherwise (either way as slow). */
    public Optional<Session> login(String email, String password, Duration ttl) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT id, email, role, tier, password_hash FROM gatehouse_users WHERE email = ? AND NOT disabled")) {
            s.setString(1, email.trim().toLowerCase(Locale.ROOT));
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    PasswordHasher.verify(password, decoy);
                    return Optional.empty();
                }
                if (!PasswordHasher.verify(password, r.getString(5))) {
                    return Optional.empty();
                }
                User user = new User(r.getLong(1), r.getString(2), r.getString(3), r.getString(4));
                String token = ApiKeys.session(random);
                Instant expires = clock.instant().plus(ttl);
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO gatehouse_sessions (token_hash, user_id, expires_at) VALUES (?, ?, ?)")) {
                    insert.setBytes(1, ApiKeys.hash(token));
                    insert.setLong(2, user.id());
                    insert.setTimestamp(3, Timestamp.from(expires));
                    insert.executeUpdate();
                }
                return Optional.of(new Session(token, expires, user));
            }
        }
    }

    /** The user of a live session, with the session's expiry. */
    public Optional<Session> session(byte[] tokenHash) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT u.id, u.email, u.role, u.tier, s.expires_at FROM gatehouse_sessions s "
                     + "JOIN gatehouse_users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ? AND NOT u.disabled")) {
            s.setBytes(1, tokenHash);
            s.setTimestamp(2, Timestamp.from(clock.instant()));
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(new Session(null, r.getTimestamp(5).toInstant(),
                        new User(r.getLong(1), r.getString(2), r.getString(3), r.getString(4)))) : Optional.empty();
            }
        }
    }

    /** The live sessions among these token hashes (lower-case hex), by hash; one statement for all. */
    public java.util.Map<String, Session> sessions(java.util.List<String> hexHashes) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT s.token_hash, u.id, u.email, u.role, u.tier, s.expires_at FROM gatehouse_sessions s "
                     + "JOIN gatehouse_users u ON u.id = s.user_id WHERE s.token_hash = ANY(?::bytea[]) AND s.expires_at > ? AND NOT u.disabled")) {
            s.setArray(1, c.createArrayOf("text", hexHashes.stream().map(h -> "\\x" + h).toArray()));
            s.setTimestamp(2, Timestamp.from(clock.instant()));
            java.util.Map<String, Session> found = new java.util.HashMap<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    found.put(HexFormat.of().formatHex(r.getBytes(1)), new Session(null, r.getTimestamp(6).toInstant(),
                            new User(r.getLong(2), r.getString(3), r.getString(4), r.getString(5))));
                }
            }
            return found;
        }
    }

    /** Ends a session and tells every node. */
    public void logout(byte[] tokenHash) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("DELETE FROM gatehouse_sessions WHERE token_hash = ? OR expires_at < now() - interval '1 day'")) {
                s.setBytes(1, tokenHash);
                s.executeUpdate();
                ChangeNotices.send(c, "session:" + HexFormat.of().formatHex(tokenHash));
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
