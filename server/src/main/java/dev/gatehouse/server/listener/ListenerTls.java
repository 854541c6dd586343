package dev.gatehouse.server.listener;

import dev.gatehouse.core.config.GatewayListenerConfig;
import dev.gatehouse.core.config.Http2Config;
import dev.gatehouse.core.config.TlsConfig;
import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.net.ServerSSLOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gateway listener's TLS and HTTP/2, as Vert.x server options: certificates chosen by SNI, TLS 1.2/1.3 with
 * the configured suites, ALPN offering h2 and http/1.1, client certificates when asked for, and the HTTP/2 limits
 * (streams, header list, windows, rapid-reset protection). Also which TLS implementation serves.
 */
public final class ListenerTls {

    /** The TLS implementation a node's listener uses, as the start log line and the engine gauge name it. */
    public enum Engine {
        OPENSSL, JDK;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private ListenerTls() {
    }

    /**
     * The engine {@code tls.engine} asks for on this machine: OpenSSL when netty-tcnative loads (and can do ALPN),
     * else the JDK's; naming one insists on it, and a node that cannot have OpenSSL does not start.
     * {@code key} names the listener's TLS settings in the message when it cannot.
     */
    public static Engine engine(TlsConfig.Engine setting, String key) {
        boolean openssl = OpenSSLEngineOptions.isAvailable() && OpenSSLEngineOptions.isAlpnAvailable();
        return switch (setting) {
            case AUTO -> openssl ? Engine.OPENSSL : Engine.JDK;
            case JDK -> Engine.JDK;
            case OPENSSL -> {
                if (!openssl) {
                    Throwable cause = OpenSsl.unavailabilityCause();
                    throw new IllegalStateException(key + ".engine: openssl is not available on this machine"
                            + (cause == null ? "" : " (" + cause + ")") + "; use auto to fall back to the JDK's TLS");
                }
                yield Engine.OPENSSL;
            }
        };
    }

    /**
     * Checks that every file the TLS settings name can be read, so a node with a wrong path fails at start with
     * the key that names it rather than a TLS library's error.
     */
    public static void checkFiles(TlsConfig tls, String key) {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < tls.certificates().size(); i++) {
            TlsConfig.Certificate certificate = tls.certificates().get(i);
            readable(problems, key + ".certificates[" + i + "].cert", certificate.cert());
            readable(problems, key + ".certificates[" + i + "].key", certificate.key());
        }
        if (tls.clientCa() != null) {
            readable(problems, key + ".clientCa", tls.clientCa());
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("; ", problems));
        }
    }

    private static void readable(List<String> problems, String key, String file) {
        Path path = Path.of(file);
        if (!Files.isReadable(path) || Files.isDirectory(path)) {
            problems.add(key + ": cannot read '" + file + "' (" + path.toAbsolutePath() + ")");
            return;
        }
        try {
            if (!Files.readString(path, java.nio.charset.StandardCharsets.ISO_8859_1).contains("-----BEGIN ")) {
                problems.add(key + ": '" + file + "' is not a PEM file (no -----BEGIN line)");
            }
        } catch (IOException e) {
            problems.add(key + ": cannot read '" + file + "': " + e.getMessage());
        }
    }

    /** The files whose content the listener's TLS depends on: what a certificate reload watches. */
    public static List<Path> files(TlsConfig tls) {
        List<Path> files = new ArrayList<>();
        for (TlsConfig.Certificate certificate : tls.certificates()) {
            files.add(Path.of(certificate.cert()));
            files.add(Path.of(certificate.key()));
        }
        if (tls.clientCa() != null) {
            files.add(Path.of(tls.clientCa()));
        }
        return files;
    }

    /** Certificates, trust, versions and suites: what a reload hands the running listener again. */
    public static ServerSSLOptions sslOptions(TlsConfig tls, boolean alpn) {
        PemKeyCertOptions keys = new PemKeyCertOptions();
        for (TlsConfig.Certificate certificate : tls.certificates()) {
            keys.addCertPath(certificate.cert()).addKeyPath(certificate.key());
        }
        ServerSSLOptions ssl = new ServerSSLOptions()
                .setKeyCertOptions(keys)
                // several certificates: the one whose names cover the host the client asks for (the first otherwise)
                .setSni(true)
                .setUseAlpn(alpn)
                .setEnabledSecureTransportProtocols(new LinkedHashSet<>(tls.protocols()))
                .setClientAuth(switch (tls.clientAuth()) {
                    case NONE -> ClientAuth.NONE;
                    case REQUEST -> ClientAuth.REQUEST;
                    case REQUIRE -> ClientAuth.REQUIRED;
                });
        if (tls.clientCa() != null) {
            ssl.setTrustOptions(new PemTrustOptions().addCertPath(tls.clientCa()));
        }
        tls.ciphers().forEach(ssl::addEnabledCipherSuite);
        return ssl;
    }

    /** Sets the listener's TLS (when it has any) and HTTP/2 options. */
    static void apply(HttpServerOptions options, GatewayListenerConfig listener, Engine engine) {
        Http2Config http2 = listener.http2();
        options.setInitialSettings(new Http2Settings()
                        .setMaxConcurrentStreams(http2.maxConcurrentStreams())
                        .setMaxHeaderListSize(http2.maxHeaderListBytes())
                        .setInitialWindowSize(http2.initialWindowBytes()))
                .setHttp2ConnectionWindowSize(http2.connectionWindowBytes())
                // a client resetting streams in a loop (CVE-2023-44487) makes the server start and drop work for
                // nothing: past this many resets in the window its connection is closed
                .setHttp2RstFloodMaxRstFramePerWindow(http2.maxResetsPerWindow())
                .setHttp2RstFloodWindowDuration((int) http2.resetWindow().toSeconds())
                .setHttp2RstFloodWindowDurationTimeUnit(TimeUnit.SECONDS)
                .setHttp2ClearTextEnabled(listener.tls() == null && http2.h2c());
        TlsConfig tls = listener.tls();
        if (tls == null) {
            return;
        }
        applyTls(options, tls, engine, http2.enabled());
    }

    /** Sets a listener's TLS: certificates by SNI, versions, suites, client certificates, and ALPN offering h2 when asked. */
    public static void applyTls(HttpServerOptions options, TlsConfig tls, Engine engine, boolean http2) {
        ServerSSLOptions ssl = sslOptions(tls, http2);
        SSLEngineOptions engineOptions = engine == Engine.OPENSSL ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions();
        options.setSsl(true)
                .setSslEngineOptions(engineOptions)
                .setKeyCertOptions(ssl.getKeyCertOptions())
                .setSni(true)
                .setUseAlpn(http2)
                .setAlpnVersions(http2 ? List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1) : List.of(HttpVersion.HTTP_1_1))
                .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols())
                .setClientAuth(ssl.getClientAuth());
        if (ssl.getTrustOptions() != null) {
            options.setTrustOptions(ssl.getTrustOptions());
        }
        ssl.getEnabledCipherSuites().forEach(options::addEnabledCipherSuite);
    }
}
