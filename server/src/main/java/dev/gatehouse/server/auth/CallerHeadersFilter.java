package dev.gatehouse.server.auth;

import dev.gatehouse.core.config.AuthConfig;
import dev.gatehouse.core.http.HopByHopHeaders;
import dev.gatehouse.core.identity.ApiKeys;
import dev.gatehouse.server.pipeline.AttributeKey;
import dev.gatehouse.server.pipeline.Chain;
import dev.gatehouse.server.pipeline.Exchange;
import dev.gatehouse.server.pipeline.Filter;
import dev.gatehouse.server.pipeline.HeaderNames;
import dev.gatehouse.server.pipeline.Response;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides what an upstream learns about the caller, on every route. Gatehouse's own credentials (API keys
 * and session tokens, as {@code X-API-Key} or {@code Authorization}) never go upstream; on a route that
 * authenticates, no {@code Authorization} the gateway did not verify goes either (only a verified end-user
 * JWT does). Who the caller is travels in {@code X-Gatehouse-*} headers the gateway sets from what it
 * verified; the same names sent by a client are dropped, so an upstream can trust them.
 */
public final class CallerHeadersFilter implements Filter {

    /** Set by {@link AuthFilter} when the credential it verified is the request's {@code Authorization} JWT. */
    static final AttributeKey<Boolean> VERIFIED_AUTHORIZATION = new AttributeKey<>("verified-authorization");

    static final CharSequence SUBJECT = HttpHeaders.createOptimized("x-gatehouse-subject");
    static final CharSequence KEY_ID = HttpHeaders.createOptimized("x-gatehouse-key-id");
    static final CharSequence TIER = HttpHeaders.createOptimized("x-gatehouse-tier");
    static final CharSequence SCOPES = HttpHeaders.createOptimized("x-gatehouse-scopes");
    static final CharSequence ROLE = HttpHeaders.createOptimized("x-gatehouse-role");
    private static final CharSequence[] IDENTITY_HEADERS = {SUBJECT, KEY_ID, TIER, SCOPES, ROLE};
    private static final Set<String> IDENTITY_NAMES = Set.of("x-gatehouse-subject", "x-gatehouse-key-id", "x-gatehouse-tier",
            "x-gatehouse-scopes", "x-gatehouse-role");

    private final boolean authenticates;

    public CallerHeadersFilter(AuthConfig auth) {
        this.authenticates = !auth.none();
    }

    @Override
    public Future<Response> filter(Exchange exchange, Chain chain) {
        MultiMap headers = exchange.request().headers();
        for (CharSequence name : IDENTITY_HEADERS) {
            headers.remove(name);
        }
        keepIdentityHeadersEndToEnd(headers);
        headers.remove(HeaderNames.X_API_KEY);
        if (headers.contains(HeaderNames.AUTHORIZATION)) {
            if (authenticates) {
                if (exchange.get(VERIFIED_AUTHORIZATION) == null) {
                    headers.remove(HeaderNames.AUTHORIZATION);
                } else {
                    headers.set(HeaderNames.AUTHORIZATION, headers.get(HeaderNames.AUTHORIZATION)); // the verified one, no other
                }
            } else {
                removeGatehouseCredentials(headers);
            }
        }
        Identity identity = exchange.get(Identity.KEY);
        if (identity != null) {
            headers.set(SUBJECT, headerValue(identity.subject()));
            if (identity.subject().startsWith("key:")) {
                headers.set(KEY_ID, identity.subject().substring(4));
            }
            if (identity.tier() != null) {
                headers.set(TIER, headerValue(identity.tier()));
            }
            if (!identity.scopes().isEmpty()) {
                headers.set(SCOPES, headerValue(identity.scopes().stream().sorted().collect(Collectors.joining(" "))));
            }
            if (identity.role() != null) {
                headers.set(ROLE, identity.role());
            }
        }
        return chain.proceed(exchange);
    }

    /** On a route that does not authenticate, an upstream's own credentials pass; Gatehouse's never do. */
    private static void removeGatehouseCredentials(MultiMap headers) {
        List<String> values = headers.getAll(HeaderNames.AUTHORIZATION);
        if (values.stream().anyMatch(CallerHeadersFilter::isGatehouseCredential)) {
            headers.remove(HeaderNames.AUTHORIZATION);
            values.stream().filter(v -> !isGatehouseCredential(v)).forEach(v -> headers.add(HeaderNames.AUTHORIZATION, v));
        }
    }

    /** An Authorization value carrying a Gatehouse key or session token, under any scheme or none. */
    static boolean isGatehouseCredential(String authorization) {
        String value = authorization.trim();
        int space = value.indexOf(' ');
        String credential = space < 0 ? value : value.substring(space + 1).trim();
        return credential.startsWith(ApiKeys.MARKER) || credential.startsWith(ApiKeys.SESSION_MARKER);
    }

    /**
     * A client's {@code Connection} header may name headers for the proxy to drop; naming the identity
     * headers would strip what the gateway sets, so those names are taken out of it.
     */
    private static void keepIdentityHeadersEndToEnd(MultiMap headers) {
        String connection = headers.get(HttpHeaders.CONNECTION);
        if (connection == null) {
            return;
        }
        Set<String> listed = HopByHopHeaders.listedIn(connection);
        if (listed.stream().noneMatch(IDENTITY_NAMES::contains)) {
            return;
        }
        String kept = java.util.Arrays.stream(connection.split(","))
                .map(String::trim)
                .filter(token -> !token.isEmpty() && !IDENTITY_NAMES.contains(token.toLowerCase(Locale.ROOT)))
                .collect(Collectors.joining(", "));
        if (kept.isEmpty()) {
            headers.remove(HttpHeaders.CONNECTION);
        } else {
            headers.set(HttpHeaders.CONNECTION, kept);
        }
    }

    /**
     * A value as a header can carry it: printable ASCII as is, anything else (a JWT's subject or tier may
     * hold any character, line breaks included) percent-encoded as UTF-8, and so is '%' itself.
     */
    static String headerValue(String value) {
        boolean plain = true;
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c >= 0x20 && c < 0x7f && c != '%';
        }
        if (plain) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length() + 16);
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
