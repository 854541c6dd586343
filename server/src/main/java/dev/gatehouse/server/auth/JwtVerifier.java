package dev.gatehouse.server.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.gatehouse.core.config.JwtConfig;
import dev.gatehouse.core.identity.PublicKeys;

import java.net.MalformedURLException;
import java.net.URI;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Verifies end-user JWTs: signature with an allow-listed asymmetric algorithm (so neither {@code none} nor
 * an HMAC signed with a public key can pass), issuer, audience, {@code exp} and {@code nbf} within the
 * clock skew. Keys come from configured PEM public keys or a JWKS URL (cached and refreshed by Nimbus).
 * May fetch the JWKS: call off the event loop.
 */
public final class JwtVerifier {

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final JwtConfig config;

    public JwtVerifier(JwtConfig config) {
        this.config = config;
        Set<JWSAlgorithm> algorithms = config.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toSet());
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, source(config)));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(new HashSet<>(config.audiences()),
                new JWTClaimsSet.Builder().issuer(config.issuer()).build(), Set.of("sub", "exp"), null);
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

    private static JWKSource<SecurityContext> source(JwtConfig config) {
        if (config.jwksUrl() != null) {
            try {
                return JWKSourceBuilder.<SecurityContext>create(URI.create(config.jwksUrl()).toURL()).retrying(true).build();
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("auth.jwt.jwksUrl is not a URL: " + e.getMessage());
            }
        }
        List<JWK> keys = new ArrayList<>();
        for (String pem : config.publicKeys()) {
            keys.add(jwk(pem));
        }
        return new ImmutableJWKSet<>(new JWKSet(keys));
    }

    /** A PEM {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo) as a JWK, RSA or EC. */
    static JWK jwk(String pem) {
        PublicKey key;
        try {
            key = PublicKeys.parse(pem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("auth.jwt.publicKeys: " + e.getMessage(), e);
        }
        return key instanceof RSAPublicKey rsa ? new RSAKey.Builder(rsa).build()
                : new ECKey.Builder(com.nimbusds.jose.jwk.Curve.forECParameterSpec(((ECPublicKey) key).getParams()), (ECPublicKey) key).build();
    }
}
