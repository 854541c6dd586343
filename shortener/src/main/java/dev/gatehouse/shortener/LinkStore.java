package dev.gatehouse.shortener;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Links in PostgreSQL ({@code shortener.links}). Blocking: called off the event loop. */
public final class LinkStore {
    static final String INSERTED = "id, code, url, owner, permanent, created_at, updated_at, expires_at";
    static final String COLUMNS = INSERTED + ", version";

    /** A deleted link and the version its deletion took (what caches remember it as absent at). */
    public record Deleted(Link link, long version) {
    }

    /** What a change sets: a null field is left as it is; {@code clearExpiry} removes the expiry. */
    public record Change(String url, Boolean permanent, Long expiresAt, boolean clearExpiry) {
    }

    private final DataSource db;

    public LinkStore(DataSource db) {
        this.db = db;
    }

    /**
     * Stores a new link (its version from the sequence); empty when its code is taken. The alias race is decided
     * here, by the primary key: of two concurrent inserts of one code exactly one returns a row.
     */
    public Optional<Link> insert(Link link) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO shortener.links (" + INSERTED + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                     + "ON CONFLICT (code) DO NOTHING RETURNING " + COLUMNS)) {
            s.setLong(1, link.id());
            s.setString(2, link.code());
            s.setString(3, link.url());
            s.setString(4, link.owner());
            s.setBoolean(5, link.permanent());
            s.setLong(6, link.createdAt());
            s.setLong(7, link.updatedAt());
            if (link.expiresAt() == 0) {
                s.setNull(8, Types.BIGINT);
            } else {
                s.setLong(8, link.expiresAt());
            }
            return one(s);
        }
    }

    public Optional<Link> find(String code) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM shortener.links WHERE code = ?")) {
            s.setString(1, code);
            return one(s);
        }
    }

    public List<Link> findAll(Collection<String> codes) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM shortener.links WHERE code = ANY (?)")) {
            s.setArray(1, c.createArrayOf("text", codes.toArray()));
            return all(s);
        }
    }

    /** Applies {@code change} as of {@code now}, one version up; empty when there is no such link. */
    public Optional<Link> update(String code, Change change, long now) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE shortener.links SET url = coalesce(?, url), "
                     + "permanent = coalesce(?, permanent), expires_at = CASE WHEN ? THEN NULL ELSE coalesce(?, expires_at) END, "
                     + "updated_at = ?, version = nextval('shortener.link_versions') WHERE code = ? RETURNING " + COLUMNS)) {
            s.setString(1, change.url());
            if (change.permanent() == null) {
                s.setNull(2, Types.BOOLEAN);
            } else {
                s.setBoolean(2, change.permanent());
            }
            s.setBoolean(3, change.clearExpiry());
            if (change.expiresAt() == null) {
                s.setNull(4, Types.BIGINT);
            } else {
                s.setLong(4, change.expiresAt());
            }
            s.setLong(5, now);
            s.setString(6, code);
            return one(s);
        }
    }

    /** Deletes the link and its click counts: the deleted row and its deletion's version, or empty. */
    public Optional<Deleted> delete(String code) throws SQLException {
        List<Deleted> deleted = deleteWhere("code = ?", code);
        return deleted.isEmpty() ? Optional.empty() : Optional.of(deleted.get(0));
    }

    /** Deletes every link of {@code owner} (and their clicks). */
    public List<Deleted> deleteByOwner(String owner) throws SQLException {
        return deleteWhere("owner = ?", owner);
    }

    private List<Deleted> deleteWhere(String condition, String value) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            List<Deleted> deleted = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("DELETE FROM shortener.links WHERE " + condition + " RETURNING " + COLUMNS
                    + ", nextval('shortener.link_versions')")) {
                s.setString(1, value);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        deleted.add(new Deleted(read(r), r.getLong(10)));
                    }
                }
            }
            ClickStore.deleteClicks(c, deleted.stream().map(d -> d.link().id()).toList());
            c.commit();
            return deleted;
        }
    }

    /** The owner's links, newest first, after {@code beforeId} (keyset paging; 0 for the first page). */
    public List<Link> byOwner(String owner, long beforeId, int limit) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM shortener.links WHERE owner = ? AND id < ? "
                     + "ORDER BY id DESC LIMIT ?")) {
            s.setString(1, owner);
            s.setLong(2, beforeId == 0 ? Long.MAX_VALUE : beforeId);
            s.setInt(3, limit);
            return all(s);
        }
    }

    static Optional<Link> one(PreparedStatement s) throws SQLException {
        try (ResultSet r = s.executeQuery()) {
            return r.next() ? Optional.of(read(r)) : Optional.empty();
        }
    }

    static List<Link> all(PreparedStatement s) throws SQLException {
        List<Link> out = new ArrayList<>();
        try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
                out.add(read(r));
            }
        }
        return out;
    }

    static Link read(ResultSet r) throws SQLException {
        return new Link(r.getLong(1), r.getString(2), r.getString(3), r.getString(4), r.getBoolean(5), r.getLong(6), r.getLong(7),
                r.getLong(8), r.getLong(9));
    }
}
