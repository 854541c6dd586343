package dev.gatehouse.server.logs;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** A {@code WHERE} clause built a condition at a time, with its parameters in order: values never enter the SQL text. */
final class Where {
    private final StringBuilder sql = new StringBuilder();
    private final List<Object> params = new ArrayList<>();

    /** Adds {@code condition} (with a {@code ?} per value) when {@code value} is not null. */
    Where and(String condition, Object... values) {
        for (Object value : values) {
            if (value == null) {
                return this;
            }
        }
        sql.append(sql.isEmpty() ? " WHERE " : " AND ").append(condition);
        for (Object value : values) {
            params.add(value instanceof Instant instant ? OffsetDateTime.ofInstant(instant, ZoneOffset.UTC) : value);
        }
        return this;
    }

    String sql() {
        return sql.toString();
    }

    /** Binds the parameters from {@code first} on; returns the next free index. */
    int bind(PreparedStatement statement, int first) throws SQLException {
        int at = first;
        for (Object param : params) {
            statement.setObject(at++, param);
        }
        return at;
    }
}
