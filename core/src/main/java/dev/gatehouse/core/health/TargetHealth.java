package dev.gatehouse.core.health;

import dev.gatehouse.core.time.Ticker;

/**
 * The health of one upstream target, from active checks (N failures out, M successes back in) and
 * passive observation of real traffic (N consecutive failures eject the target for a while).
 * Thread-safe; transitions are reported so callers can log and count them.
 */
public final class TargetHealth {

    /** What a recorded outcome changed. */
    public enum Transition { NONE, BECAME_UNHEALTHY, BECAME_HEALTHY, EJECTED }

    private final HealthPolicy policy;
    private final Ticker ticker;
    private boolean healthy = true;
    private int checkFailures;
    private int checkSuccesses;
    private int trafficFailures;
    private long ejectedUntil;
    private boolean ejected;
    private volatile boolean usable = true;

    public TargetHealth(HealthPolicy policy, Ticker ticker) {
        this.policy = policy;
        this.ticker = ticker;
    }

    /** Whether the target may take requests now. Cheap: read on every request. */
    public boolean isUsable() {
        if (usable) {
            return true;
        }
        synchronized (this) {
            if (ejected && ticker.read() - ejectedUntil >= 0) {
                ejected = false;
                trafficFailures = 0;
                usable = healthy;
            }
            return usable;
        }
    }

    /** The active-check verdict, ignoring passive ejection. */
    public synchronized boolean isHealthy() {
        return healthy;
    }

    public synchronized boolean isEjected() {
        isUsable();
        return ejected;
    }

    public synchronized Transition checkPassed() {
        checkFailures = 0;
        checkSuccesses++;
        if (!healthy && checkSuccesses >= policy.healthyThreshold()) {
            healthy = true;
            refresh();
            return Transition.BECAME_HEALTHY;
        }
        return Transition.NONE;
    }

    public synchronized Transition checkFailed() {
        checkSuccesses = 0;
        checkFailures++;
        if (healthy && checkFailures >= policy.unhealthyThreshold()) {
            healthy = false;
            refresh();
            return Transition.BECAME_UNHEALTHY;
        }
        return Transition.NONE;
    }

    public synchronized Transition trafficSucceeded() {
        trafficFailures = 0;
        return Transition.NONE;
    }

    public synchronized Transition trafficFailed() {
        if (policy.passiveFailures() == 0 || ejected) {
            return Transition.NONE;
        }
        trafficFailures++;
        if (trafficFailures >= policy.passiveFailures()) {
            ejected = true;
            ejectedUntil = ticker.read() + policy.ejectFor().toNanos();
            refresh();
            return Transition.EJECTED;
        }
        return Transition.NONE;
    }

    private void refresh() {
        usable = healthy && !ejected;
    }
}
