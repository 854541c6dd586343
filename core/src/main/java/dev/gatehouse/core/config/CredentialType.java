package dev.gatehouse.core.config;

/** A kind of credential a caller presents and a route's {@code auth.accept} lists. */
public enum CredentialType {
    /** A Gatehouse API key ({@code gh_live_…}), as {@code X-API-Key} or a bearer token. */
    API_KEY("api-key"),
    /** A login session token ({@code gh_sess_…}). */
    SESSION("session"),
    /** An end-user JWT verified against {@code auth.jwt}. */
    JWT("jwt");

    private final String configName;

    CredentialType(String configName) {
        this.configName = configName;
    }

    /** How the file spells it. */
    public String configName() {
        return configName;
    }

    @Override
    public String toString() {
        return configName;
    }
}
