package dev.gatehouse.core.config;

import java.util.List;

/**
 * A route's authentication policy.
 *
 * @param mode {@code none}, {@code optional} (a credential, if sent, must be valid) or {@code required}
 * @param accept credential types accepted
 * @param scopes scopes the caller must all have
 * @param role the role a logged-in user must have ({@code admin} or {@code user}; an admin has both), or null
 */
public record AuthConfig(Mode mode, List<CredentialType> accept, List<String> scopes, String role) {

    /** Whether a route authenticates its callers. */
    public enum Mode implements Spelled {
        /** Nobody is authenticated; credentials are not looked at. */
        NONE,
        /** A credential, if sent, must be valid. */
        OPTIONAL,
        /** Every call needs a valid credential. */
        REQUIRED;

        @Override
        public String toString() {
            return configName();
        }
    }

    /** The mode of a route whose {@code auth} leaves it out. */
    public static final Mode DEFAULT_MODE = Mode.REQUIRED;
    public static final List<CredentialType> DEFAULT_ACCEPT = List.of(CredentialType.API_KEY, CredentialType.SESSION);

    /** A route without {@code auth}: anyone may call it. */
    public static final AuthConfig NONE = new AuthConfig(Mode.NONE, DEFAULT_ACCEPT, List.of(), null);

    public AuthConfig {
        Require.notNull("mode", mode);
        accept = Require.list("accept", accept);
        scopes = Require.list("scopes", scopes);
        if (mode == Mode.NONE && !scopes.isEmpty()) {
            throw new IllegalArgumentException("scopes need mode required or optional, got " + scopes + " with mode none");
        }
        if (role != null && !role.equals("admin") && !role.equals("user")) {
            throw new IllegalArgumentException("role must be admin, user or null, got '" + role + "'");
        }
    }

    public boolean required() {
        return mode == Mode.REQUIRED;
    }

    public boolean none() {
        return mode == Mode.NONE;
    }
}
