package dev.gatehouse.core.config;

import java.time.Duration;
import java.util.Locale;

/** Reads {@code auth}: users, sessions, the gateway's identity endpoints and end-user JWTs. */
final class IdentityReader {

    private IdentityReader() {
    }

    static IdentityConfig read(ConfigNode n) {
        String basePath = n.string("basePath", IdentityConfig.DEFAULT_BASE_PATH);
        if (!basePath.startsWith("/") || basePath.endsWith("/")) {
            n.problem("basePath", "must start with '/' and not end with one, e.g. /api/v1; got '" + basePath + "'");
            basePath = IdentityConfig.DEFAULT_BASE_PATH;
        }
        ConfigNode bootstrap = n.child("bootstrapAdmin");
        String email = bootstrap.string("email", null);
        String password = bootstrap.string("password", null);
        if ((email == null) != (password == null)) {
            bootstrap.problem(null, "needs both email and password (e.g. from GATEHOUSE_AUTH_BOOTSTRAP_ADMIN_EMAIL and _PASSWORD)");
            email = null;
            password = null;
        }
        if (password != null && password.length() < IdentityConfig.MIN_BOOTSTRAP_PASSWORD_LENGTH) {
            bootstrap.problem("password", "must be at least " + IdentityConfig.MIN_BOOTSTRAP_PASSWORD_LENGTH + " characters");
        }
        bootstrap.rejectUnknownKeys();
        JwtConfig jwt = n.has("jwt") ? JwtReader.read(n.child("jwt")) : null;
        IdentityConfig config = new IdentityConfig(
                n.integer("passwordIterations", IdentityConfig.DEFAULT_PASSWORD_ITERATIONS, 100_000, 10_000_000),
                n.duration("sessionTtl", IdentityConfig.DEFAULT_SESSION_TTL, Duration.ofMinutes(1), Duration.ofDays(90)),
                n.bool("endpoints", IdentityConfig.DEFAULT_ENDPOINTS), basePath,
                email == null ? null : email.toLowerCase(Locale.ROOT), password, jwt);
        n.rejectUnknownKeys();
        return config;
    }
}
