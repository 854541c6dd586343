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

    @Override
    public String toString() {
        return "IdentityConfig[passwordIterations=" + passwordIterations + ", sessionTtl=" + sessionTtl + ", endpoints=" + endpoints
                + ", basePath=" + basePath + ", bootstrapAdminEmail=" + bootstrapAdminEmail + ", bootstrapAdminPassword="
                + (bootstrapAdminPassword == null ? null : "***") + "]";
    }
}
