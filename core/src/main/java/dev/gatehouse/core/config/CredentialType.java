package dev.gatehouse.core.config;

/** A kind of credential a caller presents and a route's {@code auth.accept} lists. */
public enum CredentialType implements Spelled {
    /** A Gatehouse API key ({@code gh_live_…}), as {@code X-API-Key} or a bearer token. */
    API_KEY,
    /** A login session token ({@code gh_sess_…}). */
    SESSION,
    /** An end-user JWT verified against {@code auth.jwt}. */
    JWT,
    /** A client certificate the gateway's TLS listener verified (mutual TLS); the caller is its subject. */
    CLIENT_CERT;

    @Override
    public String toString() {
        return configName();
    }
}
