package dev.gatehouse.core.config;

import dev.gatehouse.core.identity.PublicKeys;

import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Reads {@code auth.jwt}: the issuer and audience end-user tokens must carry and the keys that verify them. */
final class JwtReader {

    private JwtReader() {
    }

    /** The JWT settings, or null when they have a problem (recorded under its key). */
    static JwtConfig read(ConfigNode n) {
        int problems = n.problems().size();
        String issuer = n.requiredString("issuer");
        List<String> audiences = n.strings("audience");
        if (audiences.isEmpty()) {
            n.problem("audience", "is required: tokens must be meant for this API");
        }
        List<String> algorithms = n.has("algorithms") ? n.strings("algorithms") : JwtConfig.DEFAULT_ALGORITHMS;
        if (algorithms.isEmpty()) {
            n.problem("algorithms", "needs at least one algorithm, e.g. [RS256, ES256]");
        }
        for (String alg : algorithms) {
            if (!JwtConfig.ALLOWED_ALGORITHMS.contains(alg)) {
                n.problem("algorithms", "'" + alg + "' is not allowed; use asymmetric algorithms only: "
                        + String.join(", ", new TreeSet<>(JwtConfig.ALLOWED_ALGORITHMS)));
            }
        }
        String jwksUrl = n.string("jwksUrl", null);
        // each entry a PEM, or {kid, pem} for a key that tokens name by kid
        List<ConfigNode> entries = n.list("publicKeys", "pem");
        if ((jwksUrl == null) == entries.isEmpty()) {
            n.problem(null, "needs exactly one of jwksUrl or publicKeys (PEM)");
        }
        List<JwtConfig.SigningKey> keys = new ArrayList<>();
        Map<String, Integer> kids = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            ConfigNode entry = entries.get(i);
            String kid = entry.string("kid", null);
            String pem = entry.requiredString("pem");
            entry.rejectUnknownKeys();
            Integer first = kid == null ? null : kids.putIfAbsent(kid, i);
            if (first != null) {
                entry.problem("kid", "'" + kid + "' is publicKeys[" + first + "]'s kid too; a kid names one key");
            }
            if (pem == null) {
                continue;
            }
            try {
                PublicKey key = PublicKeys.parse(pem);
                if (algorithms.stream().noneMatch(alg -> PublicKeys.fits(key, alg))) {
                    n.problem("publicKeys[" + i + "]", "is an " + key.getAlgorithm() + " key, which none of the algorithms "
                            + algorithms + " can verify");
                }
            } catch (IllegalArgumentException e) {
                n.problem("publicKeys[" + i + "]", e.getMessage());
            }
            keys.add(new JwtConfig.SigningKey(kid, pem));
        }
        if (jwksUrl != null && !jwksUrl.startsWith("https://") && !jwksUrl.startsWith("http://")) {
            n.problem("jwksUrl", "must be an http(s) URL, got '" + jwksUrl + "'");
        }
        Duration clockSkew = n.duration("clockSkew", JwtConfig.DEFAULT_CLOCK_SKEW, Duration.ZERO, Duration.ofMinutes(5));
        String tierClaim = n.string("tierClaim", JwtConfig.DEFAULT_TIER_CLAIM);
        String scopeClaim = n.string("scopeClaim", JwtConfig.DEFAULT_SCOPE_CLAIM);
        n.rejectUnknownKeys();
        return n.problems().size() > problems ? null
                : new JwtConfig(issuer, audiences, algorithms, jwksUrl, keys, clockSkew, tierClaim, scopeClaim);
    }
}
