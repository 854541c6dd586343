package dev.gatehouse.server.transform;

import dev.gatehouse.core.config.CompressionConfig;
import dev.gatehouse.server.pipeline.Body;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.Response;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;

import java.util.Locale;

/**
 * Compresses a route's answers with gzip for clients that accept it ({@code Accept-Encoding}, q-values
 * honoured): answers of a listed media type, at least the route's {@code minBytes} long (or of unknown
 * length), not encoded already and not marked {@code no-transform}. Such answers carry
 * {@code Vary: Accept-Encoding} whether compressed or not, and a strong ETag becomes weak when the body is.
 * It sits outside the cache in the chain, so the cache keeps one identity copy and each request gets it
 * compressed or not as it asks.
 */
public final class CompressionFilter implements Filter {
    private final CompressionConfig config;

    public CompressionFilter(CompressionConfig config) {
        this.config = config;
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        boolean accepted = acceptsGzip(exchange.request().getHeader(HttpHeaders.ACCEPT_ENCODING));
        boolean head = exchange.request().method() == HttpMethod.HEAD;
        return chain.proceed(exchange).map(response -> {
            MultiMap headers = response.headers();
            if (response.body().upgrade() != null || !config.compresses(headers.get(HttpHeaders.CONTENT_TYPE))) {
                return response;
            }
            addVary(headers);
            Body body = response.body();
            if (!accepted || head || !compressibleStatus(response.status()) || headers.contains(HttpHeaders.CONTENT_ENCODING)
                    || headers.contains("content-range") || noTransform(headers.get(HttpHeaders.CACHE_CONTROL))
                    || (body.length() >= 0 && body.length() < config.minBytes())) {
                return response;
            }
            headers.set(HttpHeaders.CONTENT_ENCODING, "gzip");
            headers.remove(HttpHeaders.CONTENT_LENGTH);
            String etag = headers.get(HttpHeaders.ETAG);
            if (etag != null && etag.startsWith("\"")) {
                headers.set(HttpHeaders.ETAG, "W/" + etag); // another representation: no longer byte-for-byte the same
            }
            Buffer whole = body.whole();
            return response.body(whole != null ? Body.of(Gzip.of(whole, config.level()))
                    : body.through(new GzipStream(body.stream(), config.level()), -1));
        });
    }

    private static boolean compressibleStatus(int status) {
        return status == 200 || status == 201 || status == 202 || status == 203 || (status >= 400 && status != 416);
    }

    private static void addVary(MultiMap headers) {
        String vary = headers.get(HttpHeaders.VARY);
        if (vary == null) {
            headers.set(HttpHeaders.VARY, "Accept-Encoding");
        } else if (!vary.trim().equals("*") && !vary.toLowerCase(Locale.ROOT).contains("accept-encoding")) {
            headers.set(HttpHeaders.VARY, vary + ", Accept-Encoding");
        }
    }

    private static boolean noTransform(String cacheControl) {
        return cacheControl != null && cacheControl.toLowerCase(Locale.ROOT).contains("no-transform");
    }

    /**
     * Whether {@code Accept-Encoding} admits gzip (RFC 9110 12.5.3): named, or covered by {@code *}, with a
     * q-value above 0; an explicit {@code gzip;q=0} refuses it whatever {@code *} says.
     */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null || acceptEncoding.isBlank()) {
            return false;
        }
        Boolean star = null;
        for (String part : acceptEncoding.split(",")) {
            String[] pieces = part.trim().split(";");
            String coding = pieces[0].trim().toLowerCase(Locale.ROOT);
            boolean wanted = true;
            for (int i = 1; i < pieces.length; i++) {
                String parameter = pieces[i].trim().toLowerCase(Locale.ROOT);
                if (parameter.startsWith("q=")) {
                    try {
                        wanted = Double.parseDouble(parameter.substring(2)) > 0;
                    } catch (NumberFormatException e) {
                        wanted = false;
                    }
                }
            }
            if (coding.equals("gzip") || coding.equals("x-gzip")) {
                return wanted;
            }
            if (coding.equals("*")) {
                star = wanted;
            }
        }
        return Boolean.TRUE.equals(star);
    }
}
