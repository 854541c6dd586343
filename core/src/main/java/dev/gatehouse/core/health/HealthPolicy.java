package dev.gatehouse.core.health;

import java.time.Duration;

/**
 * Thresholds for deciding whether a target is usable.
 *
 * @param unhealthyThreshold consecutive failed active checks that take a target out of rotation
 * @param healthyThreshold consecutive passed active checks that bring it back
 * @param passiveFailures consecutive failed proxied calls (connection errors, 5xx) that eject it; 0 disables
 * @param ejectFor how long a passive ejection lasts
 */
public record HealthPolicy(int unhealthyThreshold, int healthyThreshold, int passiveFailures, Duration ejectFor) {

    public static final HealthPolicy DEFAULT = new HealthPolicy(3, 2, 5, Duration.ofSeconds(10));

    public HealthPolicy {
        if (unhealthyThreshold < 1) {
            throw new IllegalArgumentException("unhealthyThreshold must be at least 1, got " + unhealthyThreshold);
        }
        if (healthyThreshold < 1) {
            throw new IllegalArgumentException("healthyThreshold must be at least 1, got " + healthyThreshold);
        }
        if (passiveFailures < 0) {
            throw new IllegalArgumentException("passiveFailures must be 0 (off) or more, got " + passiveFailures);
        }
        if (ejectFor.isNegative()) {
            throw new IllegalArgumentException("ejectFor must not be negative, got " + ejectFor);
        }
    }
}
