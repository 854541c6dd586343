package dev.gatehouse.server;

import dev.gatehouse.testkit.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ProxyRoutingTest {

    static TestBed bed;
    static TestDatabase database;
    static TestUpstream alpha;
    static TestUpstream beta;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        bed = new TestBed();
        database = bed.database;
        alpha = bed.upstream("alpha");
        beta = bed.upstream("beta");
        gateway = GatewayHarness.start(database, """
                upstreams:
                  alpha:
                    targets: [{url: "%s"}]
                  beta:
                    targets: [{url: "%s"}]
                routes:
                  - name: alpha
                    match: {prefix: /alpha}
                    upstream: alpha
                    requestHeaders: {set: {X-Env: test}, remove: [Cookie]}
                    responseHeaders: {add: {X-Served-Via: gatehouse}, remove: [X-Internal]}
                  - name: beta-item
                    match: {template: "/beta/items/{id}", methods: [GET]}
                    upstream: beta
                    rewrite: "/internal/items/{id}"
                  - name: beta-strip
                    match: {prefix: /svc/beta}
                    upstream: beta
                    stripPrefix: true
                  - name: beta-host
                    match: {prefix: /, host: beta.example.com}
                    upstream: beta
                  - name: beta-v2
                    match: {prefix: /versioned, version: v2}
                    upstream: beta
                  - name: alpha-v1
                    match: {prefix: /versioned, version: v1}
                    upstream: alpha
                """.formatted(alpha.url(), beta.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        bed.close();
    }

    @Test
    void routesEachRequestToItsUpstream() {
        assertThat(gateway.get("/alpha/x").body()).contains("\"upstream\":\"alpha\"", "\"path\":\"/alpha/x\"");
        assertThat(gateway.get("/beta/items/42").body()).contains("\"upstream\":\"beta\"", "\"path\":\"/internal/items/42\"");
        assertThat(gateway.get("/svc/beta/users").body()).contains("\"upstream\":\"beta\"", "\"path\":\"/users\"");
        assertThat(gateway.get("/versioned/things", "Accept-Version", "v2").body()).contains("\"upstream\":\"beta\"");
        assertThat(gateway.get("/versioned/v1/things").body()).contains("\"upstream\":\"alpha\"");
    }

    @Test
    void routesByHostAndMethod() {
        RawHttp.Reply byHost = RawHttp.exchange(gateway.port(), "GET /anything HTTP/1.1\r\nHost: beta.example.com\r\nConnection: close\r\n\r\n");
        assertThat(byHost.body()).contains("\"upstream\":\"beta\"");

        HttpResponse<String> wrongMethod = gateway.send(HttpRequest.newBuilder(gateway.uri("/beta/items/42"))
                .DELETE().build());
        assertThat(wrongMethod.statusCode()).isEqualTo(404);
    }

    @Test
    void forwardsTheNormalisedPathNotTheRawOne() {
        RawHttp.Reply reply = RawHttp.exchange(gateway.port(),
                "GET //alpha/./a/../b/%7euser HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).contains("\"path\":\"/alpha/b/~user\"");
    }

    @Test
    void refusesAmbiguousPathsWithAProblem() {
        RawHttp.Reply reply = RawHttp.exchange(gateway.port(), "GET /alpha/..%2F..%2Fadmin HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.text()).contains("application/problem+json", "encoded '/' (%2F) is not allowed in a path");
        assertThat(reply.closedByServer()).isTrue();
    }

    @Test
    void answersUnmatchedRequestsWithA404Problem() {
        HttpResponse<String> response = gateway.get("/nowhere?x=1");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("\"type\":\"urn:gatehouse:problem:no-route\"", "no route matches GET /nowhere");
    }

    @Test
    void setsForwardedHeadersAndReplacesSpoofedOnes() {
        gateway.get("/alpha/who?q=1", "X-Forwarded-For", "6.6.6.6", "X-Forwarded-Proto", "https",
                "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        TestUpstream.Seen seen = alpha.last();
        assertThat(seen.uri()).isEqualTo("/alpha/who?q=1");
        assertThat(seen.headers().get("x-forwarded-for")).as("an untrusted client cannot claim another address").isEqualTo("127.0.0.1");
        assertThat(seen.headers().get("x-forwarded-proto")).isEqualTo("http");
        assertThat(seen.headers().get("x-forwarded-host")).isEqualTo("127.0.0.1:" + gateway.port());
        assertThat(seen.headers().get("traceparent")).isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assertThat(seen.headers().get("host")).as("the client's Host is kept").isEqualTo("127.0.0.1:" + gateway.port());
    }

    @Test
    void generatesARequestIdOrPassesTheClientsOneThrough() {
        HttpResponse<String> generated = gateway.get("/alpha/id");
        String id = generated.headers().firstValue("x-request-id").orElseThrow();
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(alpha.last().headers().get("x-request-id")).isEqualTo(id);

        HttpResponse<String> passed = gateway.get("/alpha/id", "X-Request-Id", "client-chosen-42");
        assertThat(passed.headers().firstValue("x-request-id")).hasValue("client-chosen-42");
        assertThat(alpha.last().headers().get("x-request-id")).isEqualTo("client-chosen-42");
    }

    @Test
    void appliesHeaderRulesAndDropsHopByHopHeaders() {
        alpha.handler(request -> request.response()
                .putHeader("X-Internal", "secret")
                .putHeader("X-Hop", "1")
                .putHeader("Connection", "X-Hop")
                .end("ok"));
        try {
            RawHttp.Reply reply = RawHttp.exchange(gateway.port(), "GET /alpha/h HTTP/1.1\r\nHost: localhost\r\n"
                    + "Cookie: session=1\r\nConnection: close, X-Private\r\nX-Private: p\r\nKeep-Alive: timeout=5\r\n\r\n");
            TestUpstream.Seen seen = alpha.last();
            assertThat(seen.headers().get("x-env")).isEqualTo("test");
            assertThat(seen.headers().contains("cookie")).isFalse();
            assertThat(seen.headers().contains("x-private")).as("named by Connection: hop-by-hop").isFalse();
            assertThat(seen.headers().contains("keep-alive")).isFalse();
            String head = reply.text().toLowerCase();
            assertThat(head).contains("x-served-via: gatehouse").doesNotContain("x-internal").doesNotContain("x-hop");
        } finally {
            alpha.handler(request -> request.response().end("{\"upstream\":\"alpha\",\"path\":\"" + request.path() + "\"}"));
        }
    }

    @Test
    void streamsLargeBodiesBothWays() throws Exception {
        beta.handler(request -> {
            request.response().setChunked(true);
            request.pipeTo(request.response());
        });
        try {
            byte[] body = new byte[6 * 1024 * 1024];
            new Random(7).nextBytes(body);
            HttpResponse<byte[]> response = gateway.send(HttpRequest.newBuilder(gateway.uri("/svc/beta/echo"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).isEqualTo(200);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            assertThat(sha.digest(response.body())).isEqualTo(MessageDigest.getInstance("SHA-256").digest(body));
        } finally {
            beta.handler(request -> request.response().end("{\"upstream\":\"beta\",\"path\":\"" + request.path() + "\"}"));
        }
    }

    @Test
    void writesOneJsonAccessLogLinePerRequest() {
        HttpResponse<String> response = gateway.get("/alpha/logged", "X-Request-Id", "log-line-check");
        assertThat(response.statusCode()).isEqualTo(200);
        await().untilAsserted(() -> assertThat(gateway.accessLogLines()).anySatisfy(line -> assertThat(line)
                .contains("\"requestId\":\"log-line-check\"", "\"route\":\"alpha\"", "\"target\":\"" + alpha.address() + "\"",
                        "\"status\":200", "\"durationMs\":")));
    }
}
