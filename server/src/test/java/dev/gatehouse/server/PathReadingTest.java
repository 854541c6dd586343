package dev.gatehouse.server;

import dev.gatehouse.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The path the gateway routes on is the path the upstream serves: path parameters ({@code ;}) and raw
 * non-ASCII bytes, which an upstream can read differently from the gateway, behind an upstream that
 * reads paths as Tomcat does.
 */
class PathReadingTest {

    static TestBed bed;
    static TestDatabase database;
    static TestUpstream servlet;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        bed = new TestBed();
        database = bed.database;
        servlet = bed.upstream("servlet");
        servlet.handler(request -> request.response().putHeader("content-type", "text/plain")
                .end(servletPath(request.path())));
        gateway = GatewayHarness.start(database, """
                upstreams:
                  servlet:
                    targets: [{url: "%s"}]
                routes:
                  - name: admin
                    match: {prefix: /api/v1/admin}
                    upstream: servlet
                    responseHeaders: {set: {X-Route: admin}}
                  - name: api
                    match: {prefix: /api/v1}
                    upstream: servlet
                    responseHeaders: {set: {X-Route: api}}
                """.formatted(servlet.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        bed.close();
    }

    /**
     * The path a servlet container serves for a request path, as Tomcat reads it: path parameters
     * ({@code ;...}) cut from every segment before percent-decoding, then {@code .} and {@code ..} resolved.
     */
    static String servletPath(String raw) {
        List<String> segments = new ArrayList<>();
        for (String segment : raw.substring(1).split("/", -1)) {
            int parameters = segment.indexOf(';');
            String name = URLDecoder.decode(parameters < 0 ? segment : segment.substring(0, parameters), StandardCharsets.UTF_8);
            if (name.equals("..")) {
                if (!segments.isEmpty()) {
                    segments.remove(segments.size() - 1);
                }
            } else if (!name.equals(".")) {
                segments.add(name);
            }
        }
        return "/" + String.join("/", segments);
    }

    /** The route the gateway's table gives a path, for comparing with the route of what the upstream served. */
    static String routeOf(String path) {
        return path.equals("/api/v1/admin") || path.startsWith("/api/v1/admin/") ? "admin" : "api";
    }

    @Test
    void pathParametersAreRefusedSoNoRouteDecisionDiffersFromWhatAServletContainerServes() {
        String[] probes = {
                "/api/v1/admin;x/y", "/api/v1/admin;/y", "/api/v1/..;/v1/admin/y", "/api/v1/x/..;/admin/y",
                "/api/v1/admin/y;jsessionid=1", "/api/v1/admin%3Bx/y", "/api/v1/admin%3b/y",
                "/api/v1/public/y", "/api/v1/admin/y", "/api/v1/./admin/y"};
        for (String probe : probes) {
            int before = servlet.requests();
            RawHttp.Reply reply = RawHttp.exchange(gateway.port(), "GET " + probe + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            if (probe.contains(";") || probe.toUpperCase().contains("%3B")) {
                assertThat(reply.status()).as(probe).isEqualTo(400);
                assertThat(reply.body()).as(probe).contains("urn:gatehouse:problem:bad-path", "';'");
                assertThat(servlet.requests()).as("%s reached the upstream", probe).isEqualTo(before);
                continue;
            }
            assertThat(reply.status()).as(probe).isEqualTo(200);
            String routed = header(reply, "x-route");
            String served = reply.body();
            assertThat(routed).as("the gateway's route for %s, where the upstream served %s", probe, served).isEqualTo(routeOf(served));
        }
    }

    @Test
    void rawUtf8BytesInThePathArePercentEncodedOnceForRoutingAndTheUpstream() {
        String raw = latin1(utf8("/api/v1/admin/café"));
        RawHttp.Reply reply = RawHttp.exchange(gateway.port(), "GET " + raw + "?q=" + latin1(utf8("é")) + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(header(reply, "x-route")).isEqualTo("admin");
        assertThat(servlet.last().uri()).isEqualTo("/api/v1/admin/caf%C3%A9?q=%C3%A9");
        assertThat(utf8Body(reply)).isEqualTo("/api/v1/admin/café");

        // the same path sent encoded is the same path
        RawHttp.Reply encoded = RawHttp.exchange(gateway.port(), "GET /api/v1/admin/caf%c3%a9 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(encoded.status()).isEqualTo(200);
        assertThat(servlet.last().uri()).isEqualTo("/api/v1/admin/caf%C3%A9");
    }

    @Test
    void aPathThatIsNotUtf8IsRefusedWhetherItsBytesComeRawOrEncoded() {
        // a lone Latin-1 é, a truncated sequence, and an overlong '/' (C0 AF) that a lenient decoder reads as a slash
        String[] probes = {"/api/v1/caf" + (char) 0xE9, "/api/v1/caf%E9", "/api/v1/x" + (char) 0xC3,
                "/api/v1/admin" + (char) 0xC0 + (char) 0xAF + "y", "/api/v1/admin%C0%AFy"};
        for (String probe : probes) {
            int before = servlet.requests();
            RawHttp.Reply reply = RawHttp.exchange(gateway.port(), "GET " + probe + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertThat(reply.status()).as(probe).isEqualTo(400);
            assertThat(reply.body()).as(probe).contains("urn:gatehouse:problem:bad-path", "UTF-8");
            assertThat(servlet.requests()).as("%s reached the upstream", probe).isEqualTo(before);
        }
    }

    private static String header(RawHttp.Reply reply, String name) {
        for (String line : reply.text().substring(0, reply.text().indexOf("\r\n\r\n")).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static String utf8Body(RawHttp.Reply reply) {
        return new String(reply.body().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Bytes as the chars RawHttp writes one for one. */
    private static String latin1(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytes);
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
