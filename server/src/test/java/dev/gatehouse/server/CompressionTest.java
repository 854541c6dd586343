package dev.gatehouse.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A route with {@code compression} gzips answers for clients that accept it, above a size threshold and for
 * listed media types only, never twice, always saying {@code Vary: Accept-Encoding}; a cached answer is
 * served compressed or not according to each request.
 */
class CompressionTest {

    static TestBed bed;
    static GatewayHarness gateway;
    static final String JSON = "{\"items\":[" + "{\"name\":\"a resource\",\"type\":\"document\"},".repeat(200) + "{}]}";

    @BeforeAll
    static void start() {
        bed = new TestBed();
        TestUpstream upstream = bed.upstream("svc");
        upstream.handler(request -> {
            HttpServerResponse response = request.response();
            switch (request.path()) {
                case "/json", "/cached/json" -> response.putHeader("content-type", "application/json")
                        .putHeader("etag", "\"v1\"").putHeader("cache-control", "max-age=60").end(JSON);
                case "/tiny" -> response.putHeader("content-type", "application/json").end("{\"ok\":true}");
                case "/png" -> response.putHeader("content-type", "image/png").end(Buffer.buffer(new byte[4096]));
                case "/gzipped" -> response.putHeader("content-type", "text/plain").putHeader("content-encoding", "gzip")
                        .end(Buffer.buffer(gzip(JSON)));
                case "/stream" -> {
                    response.setChunked(true).putHeader("content-type", "text/plain");
                    for (int i = 0; i < 100; i++) {
                        response.write("line " + i + " of a streamed answer that has no declared length\n");
                    }
                    response.end();
                }
                case "/big" -> response.putHeader("content-type", "text/plain").end("x".repeat(200_000));
                default -> response.setStatusCode(404).end();
            }
        });
        gateway = GatewayHarness.start(bed.database, """
                upstreams: {svc: {targets: [{url: "%s"}]}}
                routes:
                  - {name: cached, match: {prefix: /cached}, upstream: svc, compression: true, cache: {ttl: 1m}}
                  - {name: all, match: {prefix: /}, upstream: svc, compression: {minBytes: 512, types: [application/json, text/*]}}
                """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        bed.close();
    }

    private static HttpResponse<byte[]> get(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri(path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return gateway.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static byte[] gzip(String text) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String gunzip(byte[] body) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aClientThatAcceptsGzipGetsTheAnswerCompressedAndOthersGetItAsItIs() {
        HttpResponse<byte[]> compressed = get("/json", "Accept-Encoding", "br, gzip;q=0.8");
        assertThat(compressed.headers().firstValue("content-encoding")).contains("gzip");
        assertThat(compressed.headers().firstValue("vary")).hasValueSatisfying(v -> assertThat(v).containsIgnoringCase("accept-encoding"));
        assertThat(compressed.headers().firstValue("etag")).as("another representation").contains("W/\"v1\"");
        assertThat(compressed.body().length).isLessThan(JSON.length() / 4);
        assertThat(gunzip(compressed.body())).isEqualTo(JSON);

        HttpResponse<byte[]> plain = get("/json");
        assertThat(plain.headers().firstValue("content-encoding")).isEmpty();
        assertThat(plain.headers().firstValue("vary")).hasValueSatisfying(v -> assertThat(v).containsIgnoringCase("accept-encoding"));
        assertThat(new String(plain.body(), StandardCharsets.UTF_8)).isEqualTo(JSON);

        assertThat(get("/json", "Accept-Encoding", "gzip;q=0, *").headers().firstValue("content-encoding"))
                .as("gzip refused by name").isEmpty();
        assertThat(get("/json", "Accept-Encoding", "*").headers().firstValue("content-encoding")).contains("gzip");
    }

    @Test
    void answersBelowTheThresholdOrOfOtherTypesOrAlreadyEncodedAreLeftAlone() {
        HttpResponse<byte[]> tiny = get("/tiny", "Accept-Encoding", "gzip");
        assertThat(tiny.headers().firstValue("content-encoding")).isEmpty();
        assertThat(new String(tiny.body(), StandardCharsets.UTF_8)).isEqualTo("{\"ok\":true}");

        HttpResponse<byte[]> png = get("/png", "Accept-Encoding", "gzip");
        assertThat(png.headers().firstValue("content-encoding")).isEmpty();
        assertThat(png.headers().firstValue("vary")).as("not a type the route compresses").isEmpty();
        assertThat(png.body()).hasSize(4096);

        HttpResponse<byte[]> already = get("/gzipped", "Accept-Encoding", "gzip");
        assertThat(already.headers().allValues("content-encoding")).containsExactly("gzip");
        assertThat(gunzip(already.body())).as("compressed once, not twice").isEqualTo(JSON);
    }

    @Test
    void streamedAndLargeAnswersAreCompressedAsTheyPass() {
        HttpResponse<byte[]> streamed = get("/stream", "Accept-Encoding", "gzip");
        assertThat(streamed.headers().firstValue("content-encoding")).contains("gzip");
        assertThat(gunzip(streamed.body())).startsWith("line 0 of").contains("line 99 of");

        HttpResponse<byte[]> big = get("/big", "Accept-Encoding", "gzip");
        assertThat(big.headers().firstValue("content-length")).as("its length is no longer known ahead").isEmpty();
        assertThat(gunzip(big.body())).hasSize(200_000);
    }

    @Test
    void aCachedAnswerIsServedCompressedOrNotAsEachRequestAsks() {
        HttpResponse<byte[]> first = get("/cached/json", "Accept-Encoding", "gzip");
        assertThat(first.headers().firstValue("x-cache")).contains("MISS");
        assertThat(gunzip(first.body())).isEqualTo(JSON);

        HttpResponse<byte[]> plain = get("/cached/json");
        assertThat(plain.headers().firstValue("x-cache")).contains("HIT-L1");
        assertThat(plain.headers().firstValue("content-encoding")).isEmpty();
        assertThat(new String(plain.body(), StandardCharsets.UTF_8)).isEqualTo(JSON);

        HttpResponse<byte[]> compressed = get("/cached/json", "Accept-Encoding", "gzip");
        assertThat(compressed.headers().firstValue("x-cache")).contains("HIT-L1");
        assertThat(compressed.headers().firstValue("content-encoding")).contains("gzip");
        assertThat(gunzip(compressed.body())).isEqualTo(JSON);
    }

    @Test
    void aHeadRequestGetsTheHeadersOfThePlainAnswer() {
        HttpResponse<byte[]> head = gateway.send(HttpRequest.newBuilder(gateway.uri("/json"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).header("Accept-Encoding", "gzip").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("content-encoding")).isEmpty();
        assertThat(head.body()).isEmpty();
    }
}
