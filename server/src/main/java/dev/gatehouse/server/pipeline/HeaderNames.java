package dev.gatehouse.server.pipeline;

import dev.gatehouse.core.http.HopByHopHeaders;
import io.vertx.core.http.HttpHeaders;

/**
 * Header names the gateway reads or writes on every request, encoded once: a name made by
 * {@link HttpHeaders#createOptimized} keeps its hash and bytes, so a header-map look-up, removal or
 * write does not hash or encode the name again (about thirty such operations per proxied request).
 */
public final class HeaderNames {
    public static final CharSequence X_REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
    public static final CharSequence X_FORWARDED_FOR = HttpHeaders.createOptimized("x-forwarded-for");
    public static final CharSequence X_FORWARDED_PROTO = HttpHeaders.createOptimized("x-forwarded-proto");
    public static final CharSequence X_FORWARDED_HOST = HttpHeaders.createOptimized("x-forwarded-host");
    public static final CharSequence X_API_KEY = HttpHeaders.createOptimized("x-api-key");
    public static final CharSequence AUTHORIZATION = HttpHeaders.createOptimized("authorization");

    /** {@link HopByHopHeaders#NAMES}, encoded. */
    public static final CharSequence[] HOP_BY_HOP = HopByHopHeaders.NAMES.stream().map(HttpHeaders::createOptimized)
            .toArray(CharSequence[]::new);

    /** Forwarding headers only a trusted proxy may set; the three X-Forwarded-* ones are always rewritten. */
    public static final CharSequence[] UNTRUSTED_FORWARDING = {HttpHeaders.createOptimized("forwarded"),
            HttpHeaders.createOptimized("x-forwarded-port"), HttpHeaders.createOptimized("x-forwarded-prefix"),
            HttpHeaders.createOptimized("x-real-ip")};

    private HeaderNames() {
    }
}
