package dev.gatehouse.core.config;

import java.time.Duration;

/**
 * How a node stops when told to (SIGTERM): readiness reports DOWN at once, the listener keeps serving for
 * {@code delay} while load balancers notice (answers close their keep-alive connections meanwhile), then it takes
 * no new connections and gives requests under way up to {@code timeout} to finish.
 */
public record ShutdownConfig(Duration delay, Duration timeout) {

    public static final Duration DEFAULT_DELAY = Duration.ZERO;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final ShutdownConfig DEFAULTS = new ShutdownConfig(DEFAULT_DELAY, DEFAULT_TIMEOUT);

    public ShutdownConfig {
        Require.notNull("delay", delay);
        Require.notNull("timeout", timeout);
    }
}
