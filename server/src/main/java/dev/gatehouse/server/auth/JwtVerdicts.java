package dev.gatehouse.server.auth;

import dev.gatehouse.core.time.Clock;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.KeySourceException;
import dev.gatehouse.core.identity.ApiKeys;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

/**
 * What {@link JwtVerifier} said of each end-user JWT, remembered briefly (bounded) by the token's hash, so a
 * token sent with every request is verified once, off the event loop, through {@link Lookups}. A valid
 * verdict is still held to the token's own {@code exp} on every use. Without a verifier (no {@code auth.jwt}
 * configured) every token is refused.
 */
final class JwtVerdicts {
    private static final Logger log = LoggerFactory.getLogger(JwtVerdicts.class);
    private static final Duration REMEMBERED = Duration.ofSeconds(30);

    private final JwtVerifier verifier;
    private final Clock clock;
    private final Lookups<Optional<JwtVerifier.Verified>> checks;

    /** @param verifier null when JWTs are not configured */
    JwtVerdicts(Vertx vertx, JwtVerifier verifier, int maxLookups, MeterRegistry meters, Clock clock) {
        this.clock = clock;
        this.verifier = verifier;
        Cache<String, Optional<JwtVerifier.Verified>> verdicts = Caffeine.newBuilder()
                .ticker(clock::read).executor(Runnable::run).maximumSize(100_000).expireAfterWrite(REMEMBERED).recordStats().build();
        CaffeineCacheMetrics.monitor(meters, verdicts, "gatehouse.jwt.verdicts");
        this.checks = new Lookups<>(vertx, maxLookups, "jwt", meters, verdicts);
    }

    /** The identity in an end-user JWT, or empty when JWTs are not configured or this one is not valid. */
    Future<Optional<Identity>> authenticate(String token) {
        if (verifier == null) {
            return Future.succeededFuture(Optional.empty());
        }
        String id = HexFormat.of().formatHex(ApiKeys.hash(token));
        Future<Optional<JwtVerifier.Verified>> checked = checks.get(id, () -> {
            try {
                return Optional.of(verifier.verify(token));
            } catch (KeySourceException e) {
                // the signing keys could not be fetched (the JWKS URL is down): no verdict on the token, nothing remembered
                log.warn("cannot check JWTs: {}", e.getMessage());
                throw new IllegalStateException("the JWT signing keys cannot be fetched: " + e.getMessage(), e);
            } catch (Exception e) {
                log.debug("JWT refused: {}", e.getMessage());
                return Optional.empty();
            }
        });
        return checked.map(v -> v.filter(x -> clock.epochMillis() < x.untilMillis()).map(JwtVerifier.Verified::identity));
    }
}
