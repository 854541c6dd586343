package dev.gatehouse.core.config;

import java.time.Duration;
import java.util.List;

/**
 * How end-user JWT bearer tokens are verified: keys from a JWKS URL or configured public keys (PEM), an
 * algorithm allow-list that never includes {@code none}, and the {@code iss}/{@code aud} they must carry.
 * Claims name the caller's tier and scopes.
 */
public record JwtConfig(String issuer, List<String> audiences, List<String> algorithms, String jwksUrl,
                        List<String> publicKeys, Duration clockSkew, String tierClaim, String scopeClaim) {

    public JwtConfig {
        audiences = List.copyOf(audiences);
        algorithms = List.copyOf(algorithms);
        publicKeys = List.copyOf(publicKeys);
    }
}
