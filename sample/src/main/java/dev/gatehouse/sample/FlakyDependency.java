package dev.gatehouse.sample;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * The behaviour of the sample's "external" endpoint: each call fails with probability
 * {@code failureRate}, else stalls for {@code stall} with probability {@code stallRate}, else succeeds.
 * The random source is injected so tests can make it deterministic.
 */
public record FlakyDependency(double failureRate, double stallRate, Duration stall, DoubleSupplier random) {

    /** What one call does. */
    public enum Outcome { SUCCEED, FAIL, STALL }

    public FlakyDependency {
        if (failureRate < 0 || failureRate > 1) {
            throw new IllegalArgumentException("failure rate must be between 0 and 1, got " + failureRate);
        }
        if (stallRate < 0 || stallRate > 1) {
            throw new IllegalArgumentException("stall rate must be between 0 and 1, got " + stallRate);
        }
    }

    public Outcome next() {
        double roll = random.getAsDouble();
        if (roll < failureRate) {
            return Outcome.FAIL;
        }
        if (roll < failureRate + stallRate) {
            return Outcome.STALL;
        }
        return Outcome.SUCCEED;
    }
}
