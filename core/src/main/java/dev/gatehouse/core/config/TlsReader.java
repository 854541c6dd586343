package dev.gatehouse.core.config;

import java.util.ArrayList;
import java.util.List;

/** Reads a listener's {@code tls}: certificates, versions, ciphers, engine, client certificates and the HTTP redirect. */
final class TlsReader {

    private TlsReader() {
    }

    /** The listener's TLS, or null when the listener speaks plain HTTP. */
    static TlsConfig read(ConfigNode listener, int port) {
        if (!listener.has("tls")) {
            return null;
        }
        ConfigNode n = listener.child("tls");
        int problems = n.problems().size();
        List<TlsConfig.Certificate> certificates = new ArrayList<>();
        List<ConfigNode> entries = n.list("certificates");
        if (entries.isEmpty()) {
            n.problem("certificates", "TLS needs at least one certificate, e.g. - {cert: /etc/gatehouse/api.pem, key: /etc/gatehouse/api.key}");
        }
        for (ConfigNode c : entries) {
            String cert = c.requiredString("cert");
            String key = c.requiredString("key");
            c.rejectUnknownKeys();
            if (cert != null && key != null) {
                certificates.add(new TlsConfig.Certificate(cert, key));
            }
        }
        List<String> protocols = n.has("protocols") ? n.strings("protocols") : TlsConfig.DEFAULT_PROTOCOLS;
        for (String protocol : protocols) {
            if (!TlsConfig.PROTOCOLS.contains(protocol)) {
                n.problem("protocols", "'" + protocol + "' is not accepted: use TLSv1.3 and/or TLSv1.2 (older versions are broken)");
            }
        }
        if (protocols.isEmpty()) {
            n.problem("protocols", "must name at least one of TLSv1.3, TLSv1.2");
        }
        List<String> ciphers = n.has("ciphers") ? n.strings("ciphers") : TlsConfig.DEFAULT_CIPHERS;
        for (String cipher : ciphers) {
            if (!cipher.matches("TLS_[A-Z0-9_]+")) {
                n.problem("ciphers", "'" + cipher + "' is not a cipher suite's IANA name, such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
            }
        }
        if (ciphers.isEmpty()) {
            n.problem("ciphers", "must name at least one cipher suite (or leave it out for the default)");
        }
        TlsConfig.Engine engine = n.oneOf("engine", TlsConfig.DEFAULT_ENGINE, TlsConfig.Engine::configName, List.of(TlsConfig.Engine.values()));
        TlsConfig.ClientAuth clientAuth = n.oneOf("clientAuth", TlsConfig.DEFAULT_CLIENT_AUTH, TlsConfig.ClientAuth::configName,
                List.of(TlsConfig.ClientAuth.values()));
        String clientCa = n.string("clientCa", null);
        if (clientAuth != TlsConfig.ClientAuth.NONE && clientCa == null) {
            n.problem("clientCa", "clientAuth " + clientAuth + " needs the PEM file of the CAs client certificates must chain to");
        }
        Integer redirectFrom = n.has("redirectFrom") ? n.integer("redirectFrom", 0, 0, 65535) : null;
        if (redirectFrom != null && redirectFrom != 0 && redirectFrom == port) {
            n.problem("redirectFrom", "is the TLS listener's own port (" + port + "); give the plain HTTP port to redirect, e.g. 80");
        }
        n.rejectUnknownKeys();
        return n.problems().size() > problems ? null
                : new TlsConfig(certificates, protocols, ciphers, engine, clientAuth, clientCa, redirectFrom);
    }
}
