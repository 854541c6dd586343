package dev.gatehouse.server.auth;

import dev.gatehouse.core.ratelimit.RateLimit;

import java.time.Instant;
import java.util.List;

/** What is stored about an API key (never the key itself). */
public record ApiKeyRecord(long id, String prefix, String name, String tier, List<String> scopes, List<RateLimit> override,
                           boolean active, Instant expiresAt, Instant createdAt, Instant revokedAt, Instant lastUsedAt) {

    public ApiKeyRecord {
        scopes = List.copyOf(scopes);
        override = override == null ? null : List.copyOf(override);
    }

    /** The states {@link #state} names, as lists filter by them. */
    public static final List<String> STATES = List.of("active", "expired", "revoked");

    /** What the key is at {@code now}: {@code revoked}, {@code expired} (not revoked, past its expiry) or {@code active}. */
    public String state(Instant now) {
        return !active || revokedAt != null ? "revoked" : usableAt(now) ? "active" : "expired";
    }

    /** Whether the key may be used at {@code now}: active, not revoked, not expired. */
    public boolean usableAt(Instant now) {
        return now.toEpochMilli() < usableUntilMillis();
    }

    /** The epoch millisecond from which this key may not be used: Long.MAX_VALUE while active without expiry, Long.MIN_VALUE once inactive or revoked. */
    public long usableUntilMillis() {
        if (!active || revokedAt != null) {
            return Long.MIN_VALUE;
        }
        return expiresAt == null ? Long.MAX_VALUE : expiresAt.toEpochMilli();
    }
}
