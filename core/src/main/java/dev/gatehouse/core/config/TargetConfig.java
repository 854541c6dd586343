package dev.gatehouse.core.config;

/** One upstream server: where it is and its relative weight. */
public record TargetConfig(String scheme, String host, int port, int weight) {

    public static final int DEFAULT_WEIGHT = 1;

    /** The target as it is named in metrics and the admin API, e.g. {@code 127.0.0.1:3001}. */
    public String address() {
        return host + ":" + port;
    }

    public boolean tls() {
        return scheme.equals("https");
    }
}
