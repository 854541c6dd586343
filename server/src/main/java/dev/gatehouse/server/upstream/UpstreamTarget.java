package dev.gatehouse.server.upstream;

import dev.gatehouse.core.balance.Balanced;
import dev.gatehouse.core.config.BreakerConfig;
import dev.gatehouse.core.config.TargetConfig;
import dev.gatehouse.core.health.HealthPolicy;
import dev.gatehouse.core.health.TargetHealth;
import dev.gatehouse.core.time.Ticker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One server of an upstream pool, with what the gateway knows about it: health (active and passive),
 * its circuit breaker, requests in flight and counters. Shared by all event loops.
 */
public final class UpstreamTarget implements Balanced {

    private final String pool;
    private final TargetConfig config;
    private final TargetHealth health;
    private final CircuitBreaker breaker;
    private final BreakerConfig breakerConfig;
    private final HealthPolicy healthPolicy;
    private final Ticker ticker;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder successes = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private volatile long openedAtNanos;
    private volatile boolean seenOpen;
    /** The breaker's state when last looked at, to notice its transitions. */
    private volatile CircuitBreaker.State seenState = CircuitBreaker.State.CLOSED;
    private final dev.gatehouse.core.time.Clock clock;
    /** The breaker's latest transitions, oldest first, at most {@value #TRANSITIONS_KEPT}. */
    private final java.util.ArrayDeque<Transition> transitions = new java.util.ArrayDeque<>();
    static final int TRANSITIONS_KEPT = 20;

    /** A change of the breaker's state, when this node saw it. */
    public record Transition(String from, String to, java.time.Instant at) {
    }

    UpstreamTarget(String pool, TargetConfig config, HealthPolicy healthPolicy, BreakerConfig breakerConfig, Ticker ticker) {
        this.pool = pool;
        this.config = config;
        this.healthPolicy = healthPolicy;
        this.breakerConfig = breakerConfig;
        this.ticker = ticker;
        this.health = new TargetHealth(healthPolicy, ticker);
        this.clock = dev.gatehouse.core.time.Clock.of(ticker);
        // no event consumer: with one, Resilience4j builds and dispatches an event for every call; the
        // moment the breaker opens is read off its state after each call instead (noticeState)
        this.breaker = breakerConfig.enabled() ? CircuitBreaker.of(pool + "/" + config.address(), breakerConfig(breakerConfig, ticker)) : null;
    }

    /** After the breaker may have changed state: note when it has just opened, for the open wait. */
    private void noticeState() {
        CircuitBreaker.State state = breaker.getState();
        if (state != seenState) {
            transitioned(state);
        }
        boolean open = state == CircuitBreaker.State.OPEN;
        if (open != seenOpen) {
            if (open) {
                openedAtNanos = ticker.read();
            }
            seenOpen = open;
        }
    }

    /** Notes a transition once, however many calls saw it at the same time. */
    private synchronized void transitioned(CircuitBreaker.State to) {
        CircuitBreaker.State from = seenState;
        if (from == to) {
            return;
        }
        seenState = to;
        if (transitions.size() == TRANSITIONS_KEPT) {
            transitions.removeFirst();
        }
        transitions.addLast(new Transition(from.name(), to.name(), clock.instant()));
    }

    /** The breaker's latest transitions as this node saw them, oldest first. */
    public synchronized java.util.List<Transition> transitions() {
        return java.util.List.copyOf(transitions);
    }

    private static CircuitBreakerConfig breakerConfig(BreakerConfig c, Ticker ticker) {
        return BreakerSettings.of(c, ticker);
    }

    /** Whether this target could be reused after a reload with this configuration (same settings). */
    boolean sameSettings(TargetConfig config, HealthPolicy healthPolicy, BreakerConfig breakerConfig) {
        return this.config.equals(config) && this.healthPolicy.equals(healthPolicy) && this.breakerConfig.equals(breakerConfig);
    }

    public String pool() {
        return pool;
    }

    public TargetConfig config() {
        return config;
    }

    public String address() {
        return config.address();
    }

    public TargetHealth health() {
        return health;
    }

    @Override
    public int weight() {
        return config.weight();
    }

    @Override
    public int inFlight() {
        return inFlight.get();
    }

    /** Eligible for the balancer: healthy, not ejected, and its breaker would let a call through. */
    boolean selectable() {
        return health.isUsable() && !breakerBlocks();
    }

    boolean breakerBlocks() {
        if (breaker == null) {
            return false;
        }
        CircuitBreaker.State state = breaker.getState();
        if (state == CircuitBreaker.State.OPEN) {
            // the breaker itself admits a trial call only strictly after the wait
            return ticker.read() - openedAtNanos <= breakerConfig.openWait().toNanos();
        }
        return state == CircuitBreaker.State.FORCED_OPEN;
    }

    /** Seconds until the breaker lets a trial call through; 0 when it is not open. */
    long secondsUntilTrial() {
        if (breaker == null || breaker.getState() != CircuitBreaker.State.OPEN) {
            return 0;
        }
        long remaining = breakerConfig.openWait().toNanos() - (ticker.read() - openedAtNanos);
        return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(remaining + 999_999_999L));
    }

    /** Takes a breaker permit for one call; false means the breaker refused (count it as not tried). */
    boolean acquire() {
        if (breaker != null) {
            boolean permitted = breaker.tryAcquirePermission();
            noticeState();
            if (!permitted) {
                return false;
            }
        }
        inFlight.incrementAndGet();
        return true;
    }

    /** The call could not even start (e.g. the client went away): hand the permit back. */
    void abandon() {
        inFlight.decrementAndGet();
        if (breaker != null) {
            breaker.releasePermission();
        }
    }

    void succeeded(long nanos) {
        inFlight.decrementAndGet();
        successes.increment();
        health.trafficSucceeded();
        if (breaker != null) {
            breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
            noticeState();
        }
    }

    /** A connection error, reset, timeout or 5xx. Returns the passive-health transition it caused. */
    TargetHealth.Transition failed(long nanos, Throwable cause) {
        inFlight.decrementAndGet();
        failures.increment();
        if (breaker != null) {
            breaker.onError(nanos, TimeUnit.NANOSECONDS, cause);
            noticeState();
        }
        return health.trafficFailed();
    }

    public String breakerState() {
        return breaker == null ? "DISABLED" : breaker.getState().name();
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    public long successes() {
        return successes.sum();
    }

    public long failures() {
        return failures.sum();
    }
}
