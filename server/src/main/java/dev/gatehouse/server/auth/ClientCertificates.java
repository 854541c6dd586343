package dev.gatehouse.server.auth;

import io.vertx.core.http.HttpServerRequest;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The client certificate a request's TLS connection presented, as a caller: the listener verified it against
 * {@code gateway.tls.clientCa} during the handshake (a certificate it could not verify fails the handshake), so
 * here it only has to be read.
 */
final class ClientCertificates {

    private ClientCertificates() {
    }

    /** The verified client certificate's subject (RFC 2253, e.g. {@code CN=billing,O=Example}), or null without one. */
    static String subject(HttpServerRequest request) {
        if (!request.isSSL()) {
            return null;
        }
        try {
            List<Certificate> chain = request.connection().peerCertificates();
            if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
                return null;
            }
            return leaf.getSubjectX500Principal().getName();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }
}
