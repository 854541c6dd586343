package dev.gatehouse.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * How end-user JWT bearer tokens are verified: keys from a JWKS URL or configured public keys (PEM, each
 * optionally with a {@code kid}), an algorithm allow-list that never includes {@code none}, and the
 * {@code iss}/{@code aud} they must carry. Claims name the caller's tier and scopes.
 */
public record JwtConfig(String issuer, List<String> audiences, List<String> algorithms, String jwksUrl,
                        List<SigningKey> keys, Duration clockSkew, String tierClaim, String scopeClaim) {

    /** The signature algorithms a token may use: asymmetric ones only, never {@code none} nor HMAC. */
    public static final Set<String> ALLOWED_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
            "ES256", "ES384", "ES512");
    public static final List<String> DEFAULT_ALGORITHMS = List.of("RS256", "ES256");
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);
    public static final String DEFAULT_TIER_CLAIM = "tier";
    public static final String DEFAULT_SCOPE_CLAIM = "scope";

    /** A configured public key: PEM, and the {@code kid} tokens signed with it name (null when not given). */
    public record SigningKey(String kid, String pem) {

        public SigningKey {
            Require.notBlank("pem", pem);
        }
    }

    public JwtConfig {
        Require.notBlank("issuer", issuer);
        audiences = Require.nonEmpty("audiences", audiences);
        algorithms = Require.nonEmpty("algorithms", algorithms);
        for (String algorithm : algorithms) {
            if (!ALLOWED_ALGORITHMS.contains(algorithm)) {
                throw new IllegalArgumentException("algorithms must be asymmetric ones (" + String.join(", ", new TreeSet<>(ALLOWED_ALGORITHMS))
                        + "), got '" + algorithm + "'");
            }
        }
        keys = Require.list("keys", keys);
        if ((jwksUrl == null) == keys.isEmpty()) {
            throw new IllegalArgumentException("needs exactly one of jwksUrl or keys, got " + (jwksUrl == null ? "neither" : "both"));
        }
        Require.notNegative("clockSkew", clockSkew);
        Require.notBlank("tierClaim", tierClaim);
        Require.notBlank("scopeClaim", scopeClaim);
    }

    /** The configured keys' PEMs, in order. */
    public List<String> publicKeys() {
        return keys.stream().map(SigningKey::pem).toList();
    }
}
