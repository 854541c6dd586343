package dev.gatehouse.core.config;

import java.time.Duration;

/**
 * The circuit breaker each target of a pool gets.
 *
 * @param failureRateThreshold percentage of failed calls (in the window) that opens the breaker
 * @param slowCallRateThreshold percentage of calls slower than {@code slowCallDuration} that opens it
 * @param minimumCalls calls needed in the window before rates are judged
 * @param window the number of most recent calls the rates are computed over
 * @param openWait how long the breaker stays open before trial calls
 * @param halfOpenCalls trial calls allowed while half-open
 */
public record BreakerConfig(boolean enabled, float failureRateThreshold, float slowCallRateThreshold,
                            Duration slowCallDuration, int minimumCalls, int window, Duration openWait,
                            int halfOpenCalls) {

    public static final boolean DEFAULT_ENABLED = true;
    public static final float DEFAULT_FAILURE_RATE_THRESHOLD = 50;
    public static final float DEFAULT_SLOW_CALL_RATE_THRESHOLD = 100;
    public static final Duration DEFAULT_SLOW_CALL_DURATION = Duration.ofSeconds(10);
    public static final int DEFAULT_MINIMUM_CALLS = 10;
    public static final int DEFAULT_WINDOW = 20;
    public static final Duration DEFAULT_OPEN_WAIT = Duration.ofSeconds(30);
    public static final int DEFAULT_HALF_OPEN_CALLS = 3;

    public BreakerConfig {
        Require.between("failureRateThreshold", failureRateThreshold, 1, 100);
        Require.between("slowCallRateThreshold", slowCallRateThreshold, 1, 100);
        Require.positive("slowCallDuration", slowCallDuration);
        Require.atLeast("minimumCalls", minimumCalls, 1);
        Require.atLeast("window", window, 1);
        if (minimumCalls > window) {
            throw new IllegalArgumentException("minimumCalls must not exceed window (" + window + "), got " + minimumCalls);
        }
        Require.positive("openWait", openWait);
        Require.atLeast("halfOpenCalls", halfOpenCalls, 1);
    }
}
