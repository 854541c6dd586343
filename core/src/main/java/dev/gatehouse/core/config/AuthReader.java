package dev.gatehouse.core.config;

import dev.gatehouse.core.config.AuthConfig.Mode;

import java.util.ArrayList;
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
        Mode mode = n.oneOf("mode", AuthConfig.DEFAULT_MODE, Mode::configName, List.of(Mode.values()));
        List<CredentialType> accept = n.has("accept") ? credentialTypes(n) : AuthConfig.DEFAULT_ACCEPT;
        String role = n.has("role") ? n.oneOf("role", "user", "admin", "user") : null;
        List<String> scopes = n.strings("scopes");
        if (mode == Mode.NONE && !scopes.isEmpty()) {
            n.problem("scopes", "need auth mode required or optional: with none nobody is authenticated to have them");
            scopes = List.of();
        }
        n.rejectUnknownKeys();
        return new AuthConfig(mode, accept, scopes, role);
    }

    private static List<CredentialType> credentialTypes(ConfigNode n) {
        List<CredentialType> types = new ArrayList<>();
        for (String name : n.strings("accept")) {
            CredentialType type = Spelled.parse(CredentialType.class, name);
            if (type == null) {
                n.problem("accept", "'" + name + "' is not a credential type; use api-key, session, jwt or client-cert");
            } else {
                types.add(type);
            }
        }
        return types;
    }
}
