package dev.gatehouse.bench;

import dev.gatehouse.core.ratelimit.Algorithm;
import dev.gatehouse.core.ratelimit.LocalRateLimiter;
import dev.gatehouse.core.ratelimit.RateLimit;
import dev.gatehouse.core.ratelimit.Step;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Each algorithm's pure step, and a whole in-process decision (map look-up + two windows). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RateLimitBenchmark {

    @Param({"TOKEN_BUCKET", "GCRA", "FIXED_WINDOW", "SLIDING_LOG", "SLIDING_COUNTER"})
    public String algorithm;

    private Algorithm steps;
    private final RateLimit limit = RateLimit.perMinute(1_000);
    private final List<RateLimit> windows = List.of(RateLimit.perSecond(100), RateLimit.perMinute(1_000));
    private long[] state = new long[0];
    private long now = 1_800_000_000_000_000L;
    private LocalRateLimiter local;
    private int subject;

    @Setup
    public void setUp() {
        steps = Algorithm.valueOf(algorithm);
        local = new LocalRateLimiter(1_000_000, () -> now);
    }

    /** One step at 1 000 a minute, time advancing 60 ms per call so the limit is never reached. */
    @Benchmark
    public Step step() {
        now += 60_000;
        Step step = steps.step(state, now, 1, limit);
        state = step.state();
        return step;
    }

    /** A full local decision for one of 1 000 subjects against two windows. */
    @Benchmark
    public Object localDecision() {
        now += 1_000;
        subject = (subject + 1) % 1_000;
        return local.decide("route:ip:10.0.0." + subject, steps, windows, 1, now);
    }
}
