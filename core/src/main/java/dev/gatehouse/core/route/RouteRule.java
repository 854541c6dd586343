package dev.gatehouse.core.route;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Everything a route requires of a request: a path pattern and optional method, host, header and API
 * version constraints. Built once when configuration loads.
 *
 * @param methods upper-case methods; empty means any
 * @param host exact host or a {@code *.example.com} wildcard; {@code null} means any
 * @param headers header name to required value; the value {@code *} only requires presence
 * @param version an API version such as {@code v2}, matched by the version header or a path segment; {@code null} means any
 * @param versionHeader the header that names the version, e.g. {@code Accept-Version}
 */
public record RouteRule(PathPattern path, Set<String> methods, String host, Map<String, String> headers,
                        String version, String versionHeader) {

    public RouteRule {
        methods = Set.copyOf(methods);
        headers = Map.copyOf(headers);
        host = host == null ? null : host.toLowerCase(Locale.ROOT);
    }

    /** Captured path variables when the request matches, otherwise {@code null}. */
    public Map<String, String> match(RequestFacts request) {
        if (!methods.isEmpty() && !methods.contains(request.method())) {
            return null;
        }
        if (host != null && !hostMatches(request.host())) {
            return null;
        }
        for (Map.Entry<String, String> required : headers.entrySet()) {
            String actual = request.header(required.getKey());
            if (actual == null || (!required.getValue().equals("*") && !required.getValue().equals(actual))) {
                return null;
            }
        }
        if (version != null && !versionMatches(request)) {
            return null;
        }
        return path.match(request.path());
    }

    /** How many constraints beyond the path this rule has; more constrained rules are tried first. */
    int constraints() {
        return (methods.isEmpty() ? 0 : 1) + (host == null ? 0 : 1) + headers.size() + (version == null ? 0 : 1);
    }

    private boolean hostMatches(String requested) {
        if (requested == null) {
            return false;
        }
        String candidate = requested.toLowerCase(Locale.ROOT);
        if (host.startsWith("*.")) {
            return candidate.endsWith(host.substring(1)) && candidate.length() > host.length() - 1;
        }
        return candidate.equals(host);
    }

    private boolean versionMatches(RequestFacts request) {
        String declared = request.header(versionHeader);
        if (declared != null) {
            return declared.equals(version);
        }
        String path = request.path();
        int at = path.indexOf("/" + version);
        while (at >= 0) {
            int end = at + 1 + version.length();
            if (end == path.length() || path.charAt(end) == '/') {
                return true;
            }
            at = path.indexOf("/" + version, end);
        }
        return false;
    }
}
