package dev.gatehouse.core.config;

/** One upstream server: where it is and its relative weight. */
public record TargetConfig(String scheme, String host, int port, int weight) {

    public static final int DEFAULT_WEIGHT = 1;

    public TargetConfig {
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("scheme must be http or https, got '" + scheme + "'");
        }
        Require.notBlank("host", host);
        Require.between("port", port, 1, 65535);
        Require.atLeast("weight", weight, 1);
    }

    /** The target as it is named in metrics and the admin API, e.g. {@code 127.0.0.1:3001}. */
    public String address() {
        return host + ":" + port;
    }

    public boolean tls() {
        return scheme.equals("https");
    }
}
