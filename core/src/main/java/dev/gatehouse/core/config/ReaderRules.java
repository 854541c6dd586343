package dev.gatehouse.core.config;

import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;

/** What several section readers hold values to: the shape of names and header names, and the longest timeout. */
final class ReaderRules {

    /** Route and upstream names: they appear in metrics labels and URLs. */
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    /** An HTTP field name (RFC 9110 token). */
    static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE");
    /** The longest any request, connection or breaker timeout may be set to. */
    static final Duration MAX_TIME = Duration.ofDays(1);

    private ReaderRules() {
    }

    static boolean isHeaderName(String name) {
        return TOKEN.matcher(name).matches();
    }
}
