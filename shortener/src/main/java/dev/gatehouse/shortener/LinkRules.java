package dev.gatehouse.shortener;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What a link may be: an absolute {@code http}/{@code https} URL of at most {@link #MAX_URL} characters, with a host
 * that is not the shortener's own (a short link to a short link could loop), without user info (a
 * {@code https://bank.example@evil.example} disguise); an alias of 3 to 32 letters, digits, {@code -} or {@code _},
 * not a reserved word; an expiry in the future and at most ten years ahead. Every refusal names the field.
 */
public final class LinkRules {

    public static final int MAX_URL = 2048;
    static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9_-]{3,32}");
    /** Paths the service or the gateway in front of it answers, and words that would mislead as a link. */
    static final Set<String> RESERVED = Set.of("api", "admin", "health", "metrics", "login", "logout", "auth", "me", "status",
            "static", "assets", "www", "links", "stats", "help", "about", "docs", "dashboard", "lb", "null", "undefined");
    static final Set<String> CREATE_FIELDS = Set.of("url", "alias", "expiresAt", "permanent");
    static final Set<String> CHANGE_FIELDS = Set.of("url", "expiresAt", "permanent");
    private static final Duration LONGEST_EXPIRY = Duration.ofDays(3653);

    /** A valid creation. {@code expiresAt} 0: never. */
    public record Creation(String url, String alias, long expiresAt, boolean permanent) {
    }

    private final Set<String> ownHosts;

    /** @param ownHosts the hosts this service answers on (lower case), refused as link targets */
    public LinkRules(Set<String> ownHosts) {
        Set<String> hosts = new TreeSet<>();
        ownHosts.forEach(h -> hosts.add(normalHost(h)));
        this.ownHosts = Set.copyOf(hosts);
    }

    /** The creation a body asks for, or the problem with it. */
    public Object creation(JsonObject body, long nowMillis) {
        Problem unknown = unknownFields(body, CREATE_FIELDS);
        if (unknown != null) {
            return unknown;
        }
        Object url = checkUrl(body.getValue("url"));
        if (url instanceof Problem p) {
            return p;
        }
        String alias = null;
        if (body.getValue("alias") != null) {
            Object checked = checkAlias(body.getValue("alias"));
            if (checked instanceof Problem p) {
                return p;
            }
            alias = (String) checked;
        }
        Object expiry = checkExpiry(body.getValue("expiresAt"), nowMillis);
        if (expiry instanceof Problem p) {
            return p;
        }
        Object permanent = body.getValue("permanent");
        if (permanent != null && !(permanent instanceof Boolean)) {
            return Problem.invalid("invalid-body", "permanent must be true or false");
        }
        return new Creation((String) url, alias, (Long) expiry, Boolean.TRUE.equals(permanent));
    }

    /** The change a PATCH body asks for, or the problem with it. */
    public Object change(JsonObject body, long nowMillis) {
        Problem unknown = unknownFields(body, CHANGE_FIELDS);
        if (unknown != null) {
            return unknown;
        }
        if (body.isEmpty()) {
            return Problem.invalid("invalid-body", "a change names at least one of " + new TreeSet<>(CHANGE_FIELDS));
        }
        String url = null;
        if (body.containsKey("url")) {
            Object checked = checkUrl(body.getValue("url"));
            if (checked instanceof Problem p) {
                return p;
            }
            url = (String) checked;
        }
        Long expiresAt = null;
        boolean clear = body.containsKey("expiresAt") && body.getValue("expiresAt") == null;
        if (body.getValue("expiresAt") != null) {
            Object checked = checkExpiry(body.getValue("expiresAt"), nowMillis);
            if (checked instanceof Problem p) {
                return p;
            }
            expiresAt = (Long) checked;
        }
        Object permanent = body.getValue("permanent");
        if (body.containsKey("permanent") && !(permanent instanceof Boolean)) {
            return Problem.invalid("invalid-body", "permanent must be true or false");
        }
        return new LinkStore.Change(url, (Boolean) permanent, expiresAt, clear);
    }

    /** Whether {@code code} could name a link at all (generated or alias): anything else is a 404 without a look-up. */
    public static boolean plausibleCode(String code) {
        int n = code.length();
        if (n < 1 || n > 32) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = code.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    private Object checkUrl(Object value) {
        if (!(value instanceof String url) || url.isBlank()) {
            return Problem.invalid("invalid-url", "url is required: the absolute http or https URL to redirect to");
        }
        if (url.length() > MAX_URL) {
            return Problem.invalid("invalid-url", "url is " + url.length() + " characters long; at most " + MAX_URL + " are allowed");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Problem.invalid("invalid-url", "url is not a valid URL (" + e.getReason() + " at index " + e.getIndex()
                    + "); spaces and other special characters must be percent-encoded");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Problem.invalid("invalid-url", "url must start with http:// or https://, got scheme '" + (uri.getScheme() == null ? "" : uri.getScheme()) + "'");
        }
        if (uri.getRawUserInfo() != null) {
            return Problem.invalid("invalid-url", "url must not carry user info (the part before '@' in the host), which can disguise where a link goes");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return Problem.invalid("invalid-url", uri.getRawAuthority() == null ? "url has no host name"
                    : "url's host '" + uri.getRawAuthority() + "' is not a valid host name (internationalised names are written in punycode, xn--...)");
        }
        if (ownHosts.contains(normalHost(uri.getHost()))) {
            return Problem.invalid("invalid-url", "url points at this shortener's own host (" + uri.getHost()
                    + "); a short link to a short link could loop");
        }
        // what a Location header can carry: characters outside ASCII percent-encoded as UTF-8
        return uri.toASCIIString();
    }

    private static Object checkAlias(Object value) {
        if (!(value instanceof String alias) || !ALIAS.matcher(alias).matches()) {
            return Problem.invalid("invalid-alias", "alias must be 3 to 32 characters of letters, digits, '-' or '_', got "
                    + (value instanceof String s ? "'" + s + "'" : String.valueOf(value)));
        }
        if (RESERVED.contains(alias.toLowerCase(Locale.ROOT))) {
            return Problem.invalid("reserved-alias", "alias '" + alias + "' is reserved; choose another");
        }
        return alias;
    }

    private static Object checkExpiry(Object value, long nowMillis) {
        if (value == null) {
            return 0L;
        }
        long at;
        try {
            at = Instant.parse(String.valueOf(value)).toEpochMilli();
        } catch (DateTimeParseException e) {
            return Problem.invalid("invalid-expiry", "expiresAt must be an ISO-8601 UTC time such as 2030-01-31T12:00:00Z, got '" + value + "'");
        }
        if (at <= nowMillis) {
            return Problem.invalid("invalid-expiry", "expiresAt " + value + " is not in the future");
        }
        if (at - nowMillis > LONGEST_EXPIRY.toMillis()) {
            return Problem.invalid("invalid-expiry", "expiresAt is at most ten years ahead; leave it out for a link that never expires");
        }
        return at;
    }

    private static Problem unknownFields(JsonObject body, Set<String> known) {
        Set<String> unknown = new TreeSet<>(body.fieldNames());
        unknown.removeAll(known);
        return unknown.isEmpty() ? null
                : Problem.invalid("invalid-body", "unknown field" + (unknown.size() > 1 ? "s " : " ") + unknown + "; known: " + new TreeSet<>(known));
    }

    private static String normalHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
}
