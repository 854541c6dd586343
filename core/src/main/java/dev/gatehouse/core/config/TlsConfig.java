package dev.gatehouse.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * TLS on the gateway listener: the certificates it serves (the first by default, the others chosen by the name
 * a client asks for, SNI), the protocol versions and cipher suites it accepts, the TLS implementation, and
 * whether it asks clients for certificates. The files are read again whenever their content changes.
 *
 * @param certificates PEM certificate chains with their keys; the first is served to clients that name no host
 *                     (or one no certificate covers)
 * @param protocols TLS versions accepted: {@code TLSv1.3} and {@code TLSv1.2} only
 * @param ciphers cipher suites accepted, by their IANA names (TLS 1.3's own suites are always on)
 * @param engine the TLS implementation: {@code auto} (OpenSSL through netty-tcnative when it loads, else the JDK's),
 *               {@code openssl} or {@code jdk} to insist
 * @param clientAuth whether the listener asks clients for a certificate: {@code none}, {@code request} (a client may
 *                   send one; routes that accept {@code client-cert} use it) or {@code require} (no handshake without one)
 * @param clientCa the PEM file of the certificate authorities client certificates must chain to, or null
 * @param redirectFrom a plain-HTTP port whose every request is redirected (308) to HTTPS, or null for none
 */
public record TlsConfig(List<Certificate> certificates, List<String> protocols, List<String> ciphers, Engine engine,
                        ClientAuth clientAuth, String clientCa, Integer redirectFrom) {

    /** One certificate chain and its private key, as PEM files. */
    public record Certificate(String cert, String key) {
        public Certificate {
            Require.notBlank("cert", cert);
            Require.notBlank("key", key);
        }
    }

    /** Which TLS implementation serves the listener. */
    public enum Engine implements Spelled {
        /** OpenSSL (BoringSSL through netty-tcnative) when it loads on this machine, else the JDK's. */
        AUTO,
        OPENSSL,
        JDK;

        @Override
        public String toString() {
            return configName();
        }
    }

    /** Whether the listener asks clients for a certificate. */
    public enum ClientAuth implements Spelled {
        NONE,
        /** Asked for, not required: a client without one still connects (routes decide). */
        REQUEST,
        /** A handshake without a certificate the client CA signed fails. */
        REQUIRE;

        @Override
        public String toString() {
            return configName();
        }
    }

    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** The versions a listener may accept: nothing older than TLS 1.2. */
    public static final Set<String> PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");
    /** Forward-secret AEAD suites only (TLS 1.3's, then ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2). */
    public static final List<String> DEFAULT_CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    public static final Engine DEFAULT_ENGINE = Engine.AUTO;
    public static final ClientAuth DEFAULT_CLIENT_AUTH = ClientAuth.NONE;
    /** How often the certificate files are read for changes. */
    public static final Duration RELOAD_CHECK = Duration.ofSeconds(1);

    public TlsConfig {
        certificates = Require.nonEmpty("certificates", certificates);
        protocols = Require.nonEmpty("protocols", protocols);
        for (String protocol : protocols) {
            if (!PROTOCOLS.contains(protocol)) {
                throw new IllegalArgumentException("protocols must be TLSv1.3 or TLSv1.2, got '" + protocol + "'");
            }
        }
        ciphers = Require.nonEmpty("ciphers", ciphers);
        Require.notNull("engine", engine);
        Require.notNull("clientAuth", clientAuth);
        if (clientAuth != ClientAuth.NONE && clientCa == null) {
            throw new IllegalArgumentException("clientAuth " + clientAuth + " needs clientCa, the CA client certificates must chain to");
        }
        if (redirectFrom != null) {
            Require.between("redirectFrom", redirectFrom, 0, 65535);
        }
    }

    /** Whether the listener asks clients for certificates at all. */
    public boolean asksForClientCertificates() {
        return clientAuth != ClientAuth.NONE;
    }
}
