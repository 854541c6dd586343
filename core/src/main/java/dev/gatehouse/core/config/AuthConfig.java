package dev.gatehouse.core.config;

import java.util.List;

/**
 * A route's authentication policy.
 *
 * @param mode {@code none}, {@code optional} (a credential, if sent, must be valid) or {@code required}
 * @param accept credential types accepted: {@code api-key}, {@code session}, {@code jwt}
 * @param scopes scopes the caller must all have
 * @param role the role a logged-in user must have ({@code admin} or {@code user}), or null
 */
public record AuthConfig(String mode, List<String> accept, List<String> scopes, String role) {

    /** The mode of a route whose {@code auth} leaves it out. */
    public static final String DEFAULT_MODE = "required";
    public static final List<String> DEFAULT_ACCEPT = List.of("api-key", "session");

    /** A route without {@code auth}: anyone may call it. */
    public static final AuthConfig NONE = new AuthConfig("none", DEFAULT_ACCEPT, List.of(), null);

    public AuthConfig {
        accept = List.copyOf(accept);
        scopes = List.copyOf(scopes);
    }

    public boolean required() {
        return mode.equals("required");
    }

    public boolean none() {
        return mode.equals("none");
    }
}
