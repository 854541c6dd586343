package dev.gatehouse.core.config;

import java.time.Duration;

/**
 * Users, sessions and the gateway's own identity endpoints.
 *
 * @param passwordIterations PBKDF2 work factor for new password hashes
 * @param sessionTtl how long a login session lasts
 * @param endpoints whether the gateway serves {@code <basePath>/auth/login}, {@code /auth/logout} and {@code /me}
 * @param bootstrapAdminEmail with a password: the admin created at start when there is none
 * @param jwt end-user JWT verification, or {@code null} when JWTs are not accepted
 */
public record IdentityConfig(int passwordIterations, Duration sessionTtl, boolean endpoints, String basePath,
                             String bootstrapAdminEmail, String bootstrapAdminPassword, JwtConfig jwt) {

    public static final int DEFAULT_PASSWORD_ITERATIONS = 600_000;
    public static final Duration DEFAULT_SESSION_TTL = Duration.ofHours(24);
    public static final boolean DEFAULT_ENDPOINTS = false;
    public static final String DEFAULT_BASE_PATH = "/api/v1";
    /** The shortest password the bootstrap admin may be given. */
    public static final int MIN_BOOTSTRAP_PASSWORD_LENGTH = 12;

    public IdentityConfig {
        Require.atLeast("passwordIterations", passwordIterations, 1);
        Require.positive("sessionTtl", sessionTtl);
        if (!Require.notNull("basePath", basePath).startsWith("/") || basePath.endsWith("/")) {
            throw new IllegalArgumentException("basePath must start with '/' and not end with one, got '" + basePath + "'");
        }
        if ((bootstrapAdminEmail == null) != (bootstrapAdminPassword == null)) {
            throw new IllegalArgumentException("bootstrapAdminEmail and bootstrapAdminPassword go together, got only the "
                    + (bootstrapAdminEmail == null ? "password" : "email"));
        }
    }

    @Override
    public String toString() {
        return "IdentityConfig[passwordIterations=" + passwordIterations + ", sessionTtl=" + sessionTtl + ", endpoints=" + endpoints
                + ", basePath=" + basePath + ", bootstrapAdminEmail=" + bootstrapAdminEmail + ", bootstrapAdminPassword="
                + (bootstrapAdminPassword == null ? null : "***") + "]";
    }
}
