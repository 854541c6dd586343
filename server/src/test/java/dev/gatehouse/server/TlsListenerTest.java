package dev.gatehouse.server;

import dev.gatehouse.core.time.Ticker;
import dev.gatehouse.server.listener.ListenerTls;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * TLS on the gateway listener: certificates chosen by SNI, replaced on disk while connections are open, TLS 1.2
 * and 1.3 only, a plain port that redirects to HTTPS, and client certificates as callers on the routes that
 * accept them.
 */
class TlsListenerTest {

    static Path dir;
    static TestBed bed;
    static TestUpstream upstream;
    static GatewayHarness gateway;
    static TestCertificates.Issued a;
    static TestCertificates.Issued b;
    static TestCertificates.Issued client;
    static TestCertificates.Issued stranger;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("gatehouse-tls");
        a = TestCertificates.issue(dir, "a", "a.test", "a.test", "localhost", "127.0.0.1");
        b = TestCertificates.issue(dir, "b", "b.test", "b.test");
        client = TestCertificates.issue(dir, "client", "billing-service");
        stranger = TestCertificates.issue(dir, "stranger", "stranger");
        bed = new TestBed();
        upstream = bed.upstream("svc");
        gateway = GatewayHarness.start(bed.database, """
                  tls:
                    certificates:
                      - {cert: %s, key: %s}
                      - {cert: %s, key: %s}
                    clientAuth: request
                    clientCa: %s
                    redirectFrom: 0
                """.formatted(a.cert(), a.key(), b.cert(), b.key(), client.cert()), """
                upstreams: {svc: {targets: [{url: "%s"}]}}
                routes:
                  - {name: open, match: {prefix: /open}, upstream: svc}
                  - {name: machines, match: {prefix: /machines}, upstream: svc, auth: {accept: [client-cert]}}
                  - {name: either, match: {prefix: /either}, upstream: svc, auth: {accept: [api-key, client-cert]}}
                  - {name: chat, match: {prefix: /chat}, upstream: svc, websocket: true, auth: {mode: required}}
                """.formatted(upstream.url()), Ticker.system());
        key = gateway.node().identities().keys().create("tls", "pro", List.of(), null, null).key();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        bed.close();
    }

    /** A TLS connection to the gateway asking for {@code serverName} (none: no SNI), presenting {@code own} if given. */
    private static SSLSocket connect(String serverName, TestCertificates.Issued own) throws IOException {
        SSLContext context = TestCertificates.clientContext(null, own);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", gateway.port());
        socket.setSoTimeout(10_000);
        SSLParameters parameters = socket.getSSLParameters();
        if (serverName != null) {
            parameters.setServerNames(List.of(new SNIHostName(serverName)));
        }
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    private static X509Certificate served(SSLSocket socket) throws IOException {
        return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }

    /** One keep-alive request on an open connection; the status line and body. */
    private static String get(SSLSocket socket, String path) throws IOException {
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nhost: a.test\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return RawHttp.readResponse(socket.getInputStream());
    }

    @Test
    void theCertificateServedIsTheOneForTheNameTheClientAsksForAndTheFirstOtherwise() throws Exception {
        try (SSLSocket toB = connect("b.test", null); SSLSocket toA = connect("a.test", null); SSLSocket noName = connect(null, null)) {
            assertThat(served(toB).getSubjectX500Principal().getName()).isEqualTo("CN=b.test");
            assertThat(served(toA).getSubjectX500Principal().getName()).isEqualTo("CN=a.test");
            assertThat(served(noName).getSubjectX500Principal().getName()).isEqualTo("CN=a.test");
            assertThat(get(toB, "/open/x")).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void onlyTls13And12AreSpokenAndTls13IsPreferred() throws Exception {
        try (SSLSocket socket = connect("a.test", null)) {
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
        SSLSocket old = (SSLSocket) TestCertificates.clientContext(List.of(a), null).getSocketFactory().createSocket("127.0.0.1", gateway.port());
        try (old) {
            old.setEnabledProtocols(new String[]{"TLSv1.2"});
            old.startHandshake();
            assertThat(old.getSession().getProtocol()).isEqualTo("TLSv1.2");
        }
    }

    @Test
    void aCertificateReplacedOnDiskIsServedToNewConnectionsWhileOpenOnesKeepWorking() throws Exception {
        try (SSLSocket before = connect("b.test", null)) {
            assertThat(get(before, "/open/1")).startsWith("HTTP/1.1 200");
            java.math.BigInteger oldSerial = served(before).getSerialNumber();
            // as a renewal would: a new key and certificate copied over the old files
            TestCertificates.Issued renewed = TestCertificates.issue(dir, "b-renewed", "b.test", "b.test");
            TestCertificates.replace(b.key(), Files.readString(renewed.key()));
            TestCertificates.replace(b.cert(), Files.readString(renewed.cert()));
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                try (SSLSocket after = connect("b.test", null)) {
                    assertThat(served(after).getSerialNumber()).isEqualTo(renewed.certificate().getSerialNumber());
                }
            });
            assertThat(served(before).getSerialNumber()).as("the open connection keeps what it agreed on").isEqualTo(oldSerial);
            assertThat(get(before, "/open/2")).as("and keeps working").startsWith("HTTP/1.1 200");
            // counted once every event loop's listener has the new files, which may be just after a first one serves them
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(AdminAndStorageTest.metric(gateway.admin("/metrics").body(),
                    "gatehouse_gateway_tls_reloads_total{result=\"applied\"}")).isGreaterThanOrEqualTo(1));
            b = new TestCertificates.Issued(b.cert(), b.key(), renewed.certificate(), renewed.privateKey());
        }
    }

    @Test
    void theTlsEngineInUseIsOpenSslWhereItLoadsAndIsShownAsAGauge() {
        assertThat(gateway.node().tlsEngine()).isEqualTo(ListenerTls.Engine.OPENSSL);
        assertThat(AdminAndStorageTest.metric(gateway.admin("/metrics").body(), "gatehouse_gateway_tls_engine{engine=\"openssl\"}")).isEqualTo(1);
    }

    @Test
    void theJdksTlsServesTheSameWhenAskedFor() throws Exception {
        try (GatewayHarness jdk = GatewayHarness.start(bed.database, """
                  tls: {certificates: [{cert: %s, key: %s}], engine: jdk}
                """.formatted(a.cert(), a.key()), """
                upstreams: {svc: {targets: [{url: "%s"}]}}
                routes: [{name: open, match: {prefix: /open}, upstream: svc}]
                """.formatted(upstream.url()), Ticker.system())) {
            assertThat(jdk.node().tlsEngine()).isEqualTo(ListenerTls.Engine.JDK);
            HttpClient http = HttpClient.newBuilder().sslContext(TestCertificates.clientContext(List.of(a), null))
                    .version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + jdk.port() + "/open/jdk"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        }
    }

    @Test
    void thePlainPortRedirectsEveryRequestToTheSamePlaceOverHttps() {
        int plain = gateway.node().redirectPort();
        RawHttp.Reply reply = RawHttp.exchange(plain, "POST /open/x?y=1 HTTP/1.1\r\nhost: api.example.com:" + plain
                + "\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        assertThat(reply.status()).isEqualTo(308);
        assertThat(reply.text()).containsIgnoringCase("location: https://api.example.com:" + gateway.port() + "/open/x?y=1");
    }

    @Test
    void aClientCertificateTheGatewayTrustsIsTheCallerOnARouteThatAcceptsOne() throws Exception {
        try (SSLSocket withCert = connect("a.test", client)) {
            assertThat(get(withCert, "/machines/invoices")).startsWith("HTTP/1.1 200");
            assertThat(upstream.last().headers().get("X-Gatehouse-Subject")).isEqualTo("cert:CN=billing-service");
            assertThat(get(withCert, "/either/x")).as("a route taking keys or certificates").startsWith("HTTP/1.1 200");
        }
        try (SSLSocket without = connect("a.test", null)) {
            String refused = get(without, "/machines/invoices");
            assertThat(refused).startsWith("HTTP/1.1 401").contains("urn:gatehouse:problem:unauthorized").contains("client certificate");
            assertThat(get(without, "/open/x")).as("the listener only asks; other routes need none").startsWith("HTTP/1.1 200");
        }
        String answer;
        try (SSLSocket withStrangeCert = connect("a.test", stranger)) {
            answer = get(withStrangeCert, "/open/x");
        } catch (IOException e) {
            answer = "refused: " + e;
        }
        assertThat(answer).as("a certificate the client CA did not sign fails the handshake").doesNotStartWith("HTTP/1.1");
    }

    @Test
    void aBrowserClientGetsHttp2OverTlsByAlpn() throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(TestCertificates.clientContext(List.of(a), null))
                .version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + gateway.port() + "/open/h2"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.body()).contains("\"path\":\"/open/h2\"");
        assertThat(upstream.last().headers().get("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(upstream.last().headers().get("Host")).isEqualTo("localhost:" + gateway.port());
    }

    @Test
    void aWebSocketEchoPassesOverTlsWithAKey() throws Exception {
        io.vertx.core.http.HttpServer echo = TestUpstream.await(bed.vertx.createHttpServer()
                .webSocketHandler(ws -> ws.textMessageHandler(ws::writeTextMessage)).listen(0, "127.0.0.1"));
        Vertx clients = Vertx.vertx();
        try {
            gateway.rewrite("""
                    upstreams: {svc: {targets: [{url: "%s"}]}, echo: {targets: [{url: "http://127.0.0.1:%d"}]}}
                    routes:
                      - {name: open, match: {prefix: /open}, upstream: svc}
                      - {name: machines, match: {prefix: /machines}, upstream: svc, auth: {accept: [client-cert]}}
                      - {name: either, match: {prefix: /either}, upstream: svc, auth: {accept: [api-key, client-cert]}}
                      - {name: chat, match: {prefix: /chat}, upstream: echo, websocket: true, auth: {mode: required}}
                    """.formatted(upstream.url(), echo.actualPort()));
            WebSocketClient ws = clients.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                WebSocket socket = ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.port()).setSsl(true)
                        .setURI("/chat/room").addHeader("X-API-Key", key)).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
                CompletableFuture<String> reply = new CompletableFuture<>();
                socket.textMessageHandler(reply::complete);
                socket.writeTextMessage("over tls");
                assertThat(reply.get(5, TimeUnit.SECONDS)).isEqualTo("over tls");
                socket.close();
            });
        } finally {
            clients.close();
            echo.close();
        }
    }

    @Test
    void theAdminListenerServesHttpsOnlyToHoldersOfAClientCertificateWhenAskedTo() throws Exception {
        try (GatewayHarness node = GatewayHarness.start(bed.database, "", """
                admin: {port: 0, tls: {certificates: [{cert: %s, key: %s}], clientAuth: require, clientCa: %s}}
                upstreams: {svc: {targets: [{url: "%s"}]}}
                routes: [{name: open, match: {prefix: /open}, upstream: svc}]
                """.formatted(a.cert(), a.key(), client.cert(), upstream.url()), Ticker.system())) {
            URI metrics = URI.create("https://localhost:" + node.node().adminPort() + "/health/live");
            HttpClient holder = HttpClient.newBuilder().sslContext(TestCertificates.clientContext(List.of(a), client))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> live = holder.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(live.statusCode()).isEqualTo(200);

            HttpClient anyone = HttpClient.newBuilder().sslContext(TestCertificates.clientContext(List.of(a), null))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            assertThatThrownBy(() -> anyone.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString())).as("no client certificate, no admin listener").isInstanceOf(IOException.class);
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + node.node().adminPort() + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
                    .as("plain HTTP gets nothing from an HTTPS listener").isInstanceOf(IOException.class);
        }
    }
}
