package dev.gatehouse.server.auth;

import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.server.pipeline.AttributeKey;

import java.util.List;
import java.util.Set;

/**
 * Who is calling, as far as authentication could tell: the subject rate limits count against, the tier
 * whose limits apply, granted scopes, a per-key limit override (null for none), and for a logged-in user
 * the role and email.
 */
public record Identity(String subject, String tier, Set<String> scopes, List<RateLimit> override, String role, String email) {

    public static final AttributeKey<Identity> KEY = new AttributeKey<>("identity");

    public Identity {
        scopes = Set.copyOf(scopes);
    }

    static Identity of(ApiKeyRecord key) {
        return new Identity("key:" + key.id(), key.tier(), Set.copyOf(key.scopes()), key.override(), null, null);
    }

    static Identity of(UserStore.User user) {
        return new Identity("user:" + user.id(), user.tier(), Set.of(), null, user.role(), user.email());
    }

    public boolean isSession() {
        return subject.startsWith("user:");
    }
}
