package dev.gatehouse.server.auth;

import dev.gatehouse.core.time.Clock;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.gatehouse.core.config.JwtConfig;
import dev.gatehouse.core.identity.PublicKeys;

import java.net.MalformedURLException;
import java.net.URI;
import java.security.Key;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Verifies end-user JWTs: signature with an allow-listed asymmetric algorithm (so neither {@code none} nor
 * an HMAC signed with a public key can pass), issuer, audience, {@code exp} and {@code nbf} within the
 * clock skew; plain JWTs and RFC 9068 access tokens ({@code typ: at+jwt}). Keys come from configured PEM
 * public keys (matched by {@code kid} where both sides have one) or a JWKS URL (cached and refreshed by Nimbus).
 * May fetch the JWKS: call off the event loop.
 */
public final class JwtVerifier {

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final JwtConfig config;

    public JwtVerifier(JwtConfig config, Clock clock) {
        this.config = config;
        Set<JWSAlgorithm> algorithms = config.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toSet());
        processor.setJWSKeySelector(config.jwksUrl() != null ? new JWSVerificationKeySelector<>(algorithms, jwks(config.jwksUrl()))
                : new ConfiguredKeys(algorithms, config.keys()));
        // plain JWTs and RFC 9068 access tokens, as identity providers issue them; other types (logout, DPoP proofs) are not credentials
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, new JOSEObjectType("application/jwt"),
                new JOSEObjectType("at+jwt"), new JOSEObjectType("application/at+jwt"), null));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(new HashSet<>(config.audiences()),
                new JWTClaimsSet.Builder().issuer(config.issuer()).build(), Set.of("sub", "exp"), null) {
            @Override
            protected java.util.Date currentTime() {
                return new java.util.Date(clock.epochMillis()); // exp and nbf by the node's clock
            }
        };
        claims.setMaxClockSkew((int) config.clockSkew().toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
    }

    /** A valid token's identity, and the moment (epoch ms) it stops being valid: its {@code exp} plus the allowed skew. */
    public record Verified(Identity identity, long untilMillis) {
    }

    /** The identity a valid token carries; throws with the reason when it is not valid. */
    public Verified verify(String token) throws Exception {
        JWTClaimsSet claims = processor.process(token, null);
        String tier = claims.getStringClaim(config.tierClaim());
        Object scope = claims.getClaim(config.scopeClaim());
        Set<String> scopes = new HashSet<>();
        if (scope instanceof String s) {
            for (String part : s.split(" ")) {
                if (!part.isBlank()) {
                    scopes.add(part);
                }
            }
        } else if (scope instanceof List<?> list) {
            list.forEach(o -> scopes.add(String.valueOf(o)));
        }
        // exp is required by the claims verifier, so it is there
        return new Verified(new Identity("jwt:" + claims.getSubject(), tier == null ? "free" : tier, scopes, null, null, null),
                claims.getExpirationTime().getTime() + config.clockSkew().toMillis());
    }

    private static JWKSource<SecurityContext> jwks(String url) {
        try {
            return JWKSourceBuilder.<SecurityContext>create(URI.create(url).toURL()).retrying(true).build();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("auth.jwt.jwksUrl is not a URL: " + e.getMessage());
        }
    }

    /**
     * The configured public keys a token may be signed with: those that fit its algorithm, and where both
     * the token and a key have a {@code kid}, only when they match. A key without a kid is tried for every
     * token, so tokens from providers that always name their key still verify against a bare PEM.
     */
    static final class ConfiguredKeys implements JWSKeySelector<SecurityContext> {
        private record Candidate(String kid, PublicKey key, Set<Curve> curves) {
        }

        private final Set<JWSAlgorithm> algorithms;
        private final List<Candidate> keys = new ArrayList<>();

        ConfiguredKeys(Set<JWSAlgorithm> algorithms, List<JwtConfig.SigningKey> configured) {
            this.algorithms = algorithms;
            for (JwtConfig.SigningKey signing : configured) {
                PublicKey key = publicKey(signing.pem());
                keys.add(new Candidate(signing.kid(), key,
                        key instanceof ECPublicKey ec ? Set.of(Curve.forECParameterSpec(ec.getParams())) : Set.of()));
            }
        }

        @Override
        public List<Key> selectJWSKeys(JWSHeader header, SecurityContext context) {
            JWSAlgorithm algorithm = header.getAlgorithm();
            if (!algorithms.contains(algorithm)) {
                return List.of();
            }
            String kid = header.getKeyID();
            List<Key> selected = new ArrayList<>();
            for (Candidate candidate : keys) {
                if (kid != null && candidate.kid() != null && !kid.equals(candidate.kid())) {
                    continue;
                }
                if (!PublicKeys.fits(candidate.key(), algorithm.getName())) {
                    continue;
                }
                // an EC key verifies only the ES algorithm of its own curve (ES256 and P-256, ...)
                if (!candidate.curves().isEmpty() && Curve.forJWSAlgorithm(algorithm).stream().noneMatch(candidate.curves()::contains)) {
                    continue;
                }
                selected.add(candidate.key());
            }
            return selected;
        }
    }

    private static PublicKey publicKey(String pem) {
        try {
            return PublicKeys.parse(pem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("auth.jwt.publicKeys: " + e.getMessage(), e);
        }
    }
}
