package dev.gatehouse.server.auth;

import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.server.pipeline.AttributeKey;

import java.util.List;
import java.util.Set;

/**
 * Who is calling, as far as authentication could tell: the subject rate limits count against, the tier
 * whose limits apply, granted scopes, and a per-key limit override (null for none).
 */
public record Identity(String subject, String tier, Set<String> scopes, List<RateLimit> override) {

    public static final AttributeKey<Identity> KEY = new AttributeKey<>("identity");

    public Identity {
        scopes = Set.copyOf(scopes);
    }

    static Identity of(ApiKeyRecord key) {
        return new Identity("key:" + key.id(), key.tier(), Set.copyOf(key.scopes()), key.override());
    }
}
