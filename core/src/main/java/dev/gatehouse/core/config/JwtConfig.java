package dev.gatehouse.core.config;

import java.time.Duration;
import java.util.List;

/**
 * How end-user JWT bearer tokens are verified: keys from a JWKS URL or configured public keys (PEM, each
 * optionally with a {@code kid}), an algorithm allow-list that never includes {@code none}, and the
 * {@code iss}/{@code aud} they must carry. Claims name the caller's tier and scopes.
 */
public record JwtConfig(String issuer, List<String> audiences, List<String> algorithms, String jwksUrl,
                        List<SigningKey> keys, Duration clockSkew, String tierClaim, String scopeClaim) {

    /** A configured public key: PEM, and the {@code kid} tokens signed with it name (null when not given). */
    public record SigningKey(String kid, String pem) {
    }

    public JwtConfig {
        audiences = List.copyOf(audiences);
        algorithms = List.copyOf(algorithms);
        keys = List.copyOf(keys);
    }

    /** The configured keys' PEMs, in order. */
    public List<String> publicKeys() {
        return keys.stream().map(SigningKey::pem).toList();
    }
}
