package dev.gatehouse.server;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed certificates for tests, made by the JDK's keytool (EC P-256) and written as the PEM files the
 * gateway reads; and the SSL contexts a test client needs to trust them or present one.
 */
final class TestCertificates {

    /** One certificate: its PEM files, and the certificate and key themselves. */
    record Issued(Path cert, Path key, X509Certificate certificate, PrivateKey privateKey) {
        String subject() {
            return certificate.getSubjectX500Principal().getName();
        }
    }

    private TestCertificates() {
    }

    /** A certificate for {@code cn}, also valid for {@code names} (DNS names, or IPs), in {@code dir} as {@code <file>.pem/.key}. */
    static Issued issue(Path dir, String file, String cn, String... names) {
        try {
            Path store = Files.createTempFile(dir, file, ".p12");
            Files.delete(store);
            StringBuilder san = new StringBuilder();
            for (String name : names) {
                san.append(san.isEmpty() ? "" : ",").append(name.matches("[0-9.]+") ? "ip:" : "dns:").append(name);
            }
            List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "k", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + cn, "-validity", "2",
                    "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit"));
            if (names.length > 0) {
                command.addAll(List.of("-ext", "SAN=" + san));
            }
            Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(keytool.getInputStream().readAllBytes());
            if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, "changeit".toCharArray());
            }
            Files.delete(store);
            X509Certificate certificate = (X509Certificate) keys.getCertificate("k");
            PrivateKey key = (PrivateKey) keys.getKey("k", "changeit".toCharArray());
            Path certFile = dir.resolve(file + ".pem");
            Path keyFile = dir.resolve(file + ".key");
            replace(certFile, pem("CERTIFICATE", certificate.getEncoded()));
            replace(keyFile, pem("PRIVATE KEY", key.getEncoded()));
            return new Issued(certFile, keyFile, certificate, key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** Writes a file whole, as a deployment replacing a certificate would: never seen half-written. */
    static void replace(Path file, String content) throws IOException {
        Path next = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        Files.writeString(next, content);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Trusts any server: for tests that check which certificate was served rather than whether it is trusted. */
    private static final javax.net.ssl.X509TrustManager TRUST_ALL = new javax.net.ssl.X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };

    /** Presents its one certificate whatever CAs the server names (the JDK would otherwise send none it doubts). */
    private static javax.net.ssl.X509ExtendedKeyManager presentAlways(javax.net.ssl.X509ExtendedKeyManager keys) {
        return new javax.net.ssl.X509ExtendedKeyManager() {
            @Override
            public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
                return new String[]{"me"};
            }

            @Override
            public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket socket) {
                return "me";
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
                return "me";
            }

            @Override
            public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
                return keys.getServerAliases(keyType, issuers);
            }

            @Override
            public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
                return keys.chooseServerAlias(keyType, issuers, socket);
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return keys.getCertificateChain(alias);
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return keys.getPrivateKey(alias);
            }
        };
    }

    /** A client context that trusts {@code trusted} (null: any server) and, if given, presents {@code own}. */
    static SSLContext clientContext(List<Issued> trusted, Issued own) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; trusted != null && i < trusted.size(); i++) {
                trust.setCertificateEntry("t" + i, trusted.get(i).certificate());
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (own != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("me", own.privateKey(), "pw".toCharArray(), new java.security.cert.Certificate[]{own.certificate()});
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, "pw".toCharArray());
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : new javax.net.ssl.KeyManager[]{presentAlways((javax.net.ssl.X509ExtendedKeyManager) kmf.getKeyManagers()[0])},
                    trusted == null ? new javax.net.ssl.TrustManager[]{TRUST_ALL} : tmf.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
