package dev.gatehouse.core.config;

import java.util.List;

/** Reads a route's {@code auth}: who may call it and with which credentials. */
final class AuthReader {

    private AuthReader() {
    }

    /** The route's policy; {@link AuthConfig#NONE} when it has no {@code auth}. */
    static AuthConfig read(ConfigNode r) {
        if (!r.has("auth")) {
            return AuthConfig.NONE;
        }
        ConfigNode n = r.child("auth");
        String mode = n.oneOf("mode", AuthConfig.DEFAULT_MODE, "none", "optional", "required");
        List<String> accept = n.has("accept") ? n.strings("accept") : AuthConfig.DEFAULT_ACCEPT;
        for (String type : accept) {
            if (!type.equals("api-key") && !type.equals("session") && !type.equals("jwt")) {
                n.problem("accept", "'" + type + "' is not a credential type; use api-key, session or jwt");
            }
        }
        String role = n.has("role") ? n.oneOf("role", "user", "admin", "user") : null;
        List<String> scopes = n.strings("scopes");
        if (mode.equals("none") && !scopes.isEmpty()) {
            n.problem("scopes", "need auth mode required or optional: with none nobody is authenticated to have them");
        }
        n.rejectUnknownKeys();
        return new AuthConfig(mode, accept, scopes, role);
    }
}
