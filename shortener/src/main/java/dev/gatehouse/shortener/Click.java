package dev.gatehouse.shortener;

import java.util.Locale;

/**
 * One counted dimension of clicks: a link (by id), a UTC day, the referrer's host and the user agent's family.
 * Both strings come from a short fixed list or are cut to a bounded length, so a client cannot make a key
 * of any size.
 */
public record Click(long linkId, int epochDay, String referrer, String agent) implements Comparable<Click> {

    /** The referrer when the request named none. */
    public static final String DIRECT = "(direct)";
    /** The referrer when the header was not a URL with a host. */
    public static final String UNREADABLE = "(invalid)";
    private static final int MAX_HOST = 100;

    /** The host of a {@code Referer} header, lower case, without port or user info; {@link #DIRECT} or {@link #UNREADABLE} otherwise. */
    public static String referrerHost(String referer) {
        if (referer == null || referer.isBlank()) {
            return DIRECT;
        }
        int scheme = referer.indexOf("://");
        if (scheme <= 0) {
            return UNREADABLE;
        }
        int start = scheme + 3;
        int end = start;
        while (end < referer.length() && "/?#".indexOf(referer.charAt(end)) < 0) {
            end++;
        }
        String authority = referer.substring(start, end);
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            authority = authority.substring(at + 1);
        }
        int colon = authority.startsWith("[") ? authority.indexOf("]:") + 1 : authority.lastIndexOf(':');
        String host = colon > 0 ? authority.substring(0, colon) : authority;
        if (host.isEmpty() || host.length() > MAX_HOST) {
            return UNREADABLE;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && ".-_[]:".indexOf(c) < 0) {
                return UNREADABLE;
            }
        }
        return host.toLowerCase(Locale.ROOT);
    }

    /** The family of a {@code User-Agent}: a browser, a command-line client, a bot, "other" or "none". */
    public static String agentFamily(String userAgent) {
        if (userAgent == null || userAgent.isBlank()) {
            return "none";
        }
        String ua = userAgent.length() > 512 ? userAgent.substring(0, 512) : userAgent;
        String lower = ua.toLowerCase(Locale.ROOT);
        if (lower.contains("bot") || lower.contains("crawler") || lower.contains("spider") || lower.contains("slurp")) {
            return "bot";
        }
        if (ua.contains("Edg/") || ua.contains("Edge/")) {
            return "edge";
        }
        if (ua.contains("OPR/") || ua.contains("Opera")) {
            return "opera";
        }
        if (ua.contains("Firefox/")) {
            return "firefox";
        }
        if (ua.contains("Chrome/") || ua.contains("CriOS/")) {
            return "chrome";
        }
        if (ua.contains("Safari/")) {
            return "safari";
        }
        if (lower.startsWith("curl/")) {
            return "curl";
        }
        if (lower.startsWith("wget/")) {
            return "wget";
        }
        if (lower.startsWith("wrk") || lower.startsWith("python") || lower.startsWith("go-http-client") || lower.startsWith("java")) {
            return "library";
        }
        return "other";
    }

    @Override
    public int compareTo(Click o) {
        int c = Long.compare(linkId, o.linkId);
        if (c == 0) {
            c = Integer.compare(epochDay, o.epochDay);
        }
        if (c == 0) {
            c = referrer.compareTo(o.referrer);
        }
        return c != 0 ? c : agent.compareTo(o.agent);
    }
}
