package dev.gatehouse.server;

import dev.gatehouse.core.time.Ticker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * IP allow and deny lists (the gateway's and a route's, on the client address after trustedProxies) and a
 * route's CORS policy (preflights answered at the gateway, not counted as calls; CORS headers only for
 * listed origins).
 */
class EdgePoliciesTest {

    static TestBed bed;
    static TestUpstream upstream;
    static GatewayHarness gateway;
    static GatewayHarness behindProxy;
    static String key;

    @BeforeAll
    static void start() throws Exception {
        bed = new TestBed();
        upstream = bed.upstream("svc");
        String routes = """
                upstreams: {svc: {targets: [{url: "%s"}]}}
                routes:
                  - {name: office, match: {prefix: /office}, upstream: svc, ip: {allow: [10.1.2.0/24, "2001:db8::/32"]}}
                  - {name: banned, match: {prefix: /banned}, upstream: svc, ip: {deny: [127.0.0.1]}}
                  - {name: partners, match: {prefix: /partners}, upstream: svc, ip: {allow: [203.0.113.0/24]}}
                  - name: app
                    match: {prefix: /app}
                    upstream: svc
                    auth: {mode: required, accept: [api-key]}
                    rateLimit: {limits: [1/min], mode: local}
                    cors: {origins: ["https://app.example.com", "https://*.example.org"], credentials: true, maxAge: 1h}
                  - {name: open, match: {prefix: /open}, upstream: svc}
                """.formatted(upstream.url());
        gateway = GatewayHarness.start(bed.database, "  ip: {deny: [198.51.100.0/24]}\n", routes, Ticker.system());
        behindProxy = GatewayHarness.start(bed.database, "  trustedProxies: [127.0.0.1]\n  ip: {deny: [198.51.100.0/24]}\n", routes, Ticker.system());
        key = gateway.node().identities().keys().create("app", "pro", List.of(), null, null).key();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        behindProxy.close();
        bed.close();
    }

    @Test
    void aRouteAllowingOtherNetworksRefusesThisClientWithA403Problem() {
        int before = upstream.requests();
        HttpResponse<String> refused = gateway.get("/office/x");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("urn:gatehouse:problem:ip-not-allowed").contains("127.0.0.1");
        assertThat(gateway.get("/banned/x").statusCode()).isEqualTo(403);
        assertThat(upstream.requests()).as("nothing reached the upstream").isEqualTo(before);
        assertThat(gateway.get("/open/x").statusCode()).isEqualTo(200);
    }

    @Test
    void aSpoofedForwardedForFromAnUntrustedClientChangesNothing() {
        assertThat(gateway.get("/partners/x", "X-Forwarded-For", "203.0.113.7").statusCode()).isEqualTo(403);
    }

    @Test
    void behindATrustedProxyTheClientItReportsIsWhatTheRulesSee() {
        assertThat(behindProxy.get("/partners/x", "X-Forwarded-For", "203.0.113.7").statusCode()).isEqualTo(200);
        assertThat(behindProxy.get("/partners/x", "X-Forwarded-For", "192.0.2.1").statusCode()).isEqualTo(403);
        HttpResponse<String> globallyDenied = behindProxy.get("/open/x", "X-Forwarded-For", "198.51.100.9");
        assertThat(globallyDenied.statusCode()).as("the gateway's own deny list").isEqualTo(403);
        assertThat(behindProxy.get("/nowhere", "X-Forwarded-For", "198.51.100.9").statusCode())
                .as("on requests no route takes too").isEqualTo(403);
    }

    private static HttpResponse<String> preflight(String path, String origin, String method, String headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri(path)).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin).header("Access-Control-Request-Method", method);
        if (headers != null) {
            request.header("Access-Control-Request-Headers", headers);
        }
        return gateway.send(request.build());
    }

    @Test
    void aPreflightIsAnsweredAtTheGatewayWithoutReachingTheUpstreamOrCountingAgainstTheLimit() {
        int before = upstream.requests();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> ok = preflight("/app/orders", "https://app.example.com", "POST", "Content-Type, X-API-Key");
            assertThat(ok.statusCode()).isEqualTo(204);
            assertThat(ok.headers().firstValue("access-control-allow-origin")).contains("https://app.example.com");
            assertThat(ok.headers().firstValue("access-control-allow-methods")).hasValueSatisfying(m -> assertThat(m).contains("POST"));
            assertThat(ok.headers().firstValue("access-control-allow-headers")).contains("Content-Type, X-API-Key");
            assertThat(ok.headers().firstValue("access-control-allow-credentials")).contains("true");
            assertThat(ok.headers().firstValue("access-control-max-age")).contains("3600");
        }
        assertThat(preflight("/app/orders", "https://shop.example.org", "GET", null).statusCode()).as("a wildcard origin").isEqualTo(204);
        assertThat(upstream.requests()).isEqualTo(before);
        // the one request a minute the limit allows is still there
        assertThat(gateway.get("/app/orders", "X-API-Key", key, "Origin", "https://app.example.com").statusCode()).isEqualTo(200);
    }

    @Test
    void aPreflightFromAnOriginOrForAMethodTheRouteDoesNotListGetsNoCorsHeaders() {
        HttpResponse<String> stranger = preflight("/app/orders", "https://evil.example.net", "POST", null);
        assertThat(stranger.statusCode()).isEqualTo(403);
        assertThat(stranger.headers().firstValue("access-control-allow-origin")).isEmpty();
        assertThat(stranger.body()).contains("urn:gatehouse:problem:cors-not-allowed");
        assertThat(preflight("/app/orders", "https://app.example.com", "TRACE", null).statusCode()).isEqualTo(403);
        assertThat(preflight("/app/orders", "https://app.example.com", "GET", "X-Secret-Header").statusCode()).isEqualTo(403);
        assertThat(preflight("/app/orders", "https://example.org", "GET", null).statusCode()).as("the bare domain is not *.example.org")
                .isEqualTo(403);
    }

    @Test
    void anAllowedOriginsAnswersCarryCorsHeadersErrorsIncludedAndOthersNone() {
        HttpResponse<String> refused = gateway.get("/app/orders", "Origin", "https://app.example.com");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("access-control-allow-origin")).as("so the page can read why")
                .contains("https://app.example.com");
        assertThat(refused.headers().allValues("vary")).anySatisfy(v -> assertThat(v).containsIgnoringCase("origin"));
        assertThat(refused.headers().firstValue("access-control-expose-headers")).hasValueSatisfying(v -> assertThat(v).contains("X-Request-Id"));

        HttpResponse<String> other = gateway.get("/app/orders", "Origin", "https://evil.example.net");
        assertThat(other.headers().firstValue("access-control-allow-origin")).isEmpty();
        assertThat(gateway.get("/open/x", "Origin", "https://app.example.com").headers().firstValue("access-control-allow-origin"))
                .as("a route without cors").isEmpty();
    }
}
