package dev.gatehouse.server.jobs;

import dev.gatehouse.core.config.HeaderRules;
import dev.gatehouse.core.config.QueueConfig;
import dev.gatehouse.core.jobs.Backoff;
import dev.gatehouse.core.time.Clock;
import dev.gatehouse.server.jobs.JobQueue.Answer;
import dev.gatehouse.server.jobs.JobQueue.Claim;
import dev.gatehouse.server.jobs.JobQueue.Outcome;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One queue's workers on this node: a fixed number of threads ({@code jobs.queues.<name>.workers}), each taking a job
 * under a lease, waiting for its turn under the third party's quota ({@link Pacer}), calling it ({@link ThirdPartyCall})
 * and recording how it went. A 2xx succeeds; a 4xx other than 429 fails the job for good; a 5xx, a timeout or no
 * answer is tried again after the queue's backoff, and after the last attempt the job is dead. A 429 (and a 503 with
 * {@code Retry-After}) pauses the queue on every node for as long as the third party asks; the 429's job goes back
 * without spending an attempt. While the upstream's breaker is open, no job is taken: attempts are not burnt on a
 * third party that is down. Leases are renewed by the node's heartbeat ({@link #held()}), so a worker that dies leaves
 * its job to another once its lease ends.
 */
final class JobWorkers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobWorkers.class);
    /** How long a worker waits after the queue could not be read before it asks again. */
    private static final Duration UNAVAILABLE_WAIT = Duration.ofSeconds(1);

    /** Where a call goes now: a target's base URL and the route's header rules (null when the route is gone). */
    record Destination(String base, HeaderRules headers) {
    }

    private final String queue;
    private final String upstream;
    private final QueueConfig config;
    private final JobQueue jobs;
    private final Pacer pacer;
    private final QuotaStore pauses;
    private final ThirdPartyCall caller;
    private final Function<String, Destination> destinations;
    private final CircuitBreaker breaker;
    private final JobWakeups.Signal wakeup;
    private final Backoff backoff;
    private final Clock clock;
    private final List<Thread> threads = new ArrayList<>();
    /** Claims held now, by lease token: what the heartbeat renews. */
    private final Map<java.util.UUID, Claim> held = new ConcurrentHashMap<>();
    private final Set<java.util.UUID> lost = ConcurrentHashMap.newKeySet();
    private final AtomicInteger calling = new AtomicInteger();
    private final MeterRegistry meters;
    private final Timer callTime;
    private final Counter retries;
    private volatile boolean running = true;
    private volatile boolean unavailableLogged;

    /**
     * @param destinations where a job of a route goes now (the upstream's targets and the route's header rules, as the
     *                     configuration in effect has them)
     * @param breaker the upstream's breaker for job calls, or null when its breaker is off
     */
    JobWorkers(String queue, String upstream, QueueConfig config, JobQueue jobs, Pacer pacer, QuotaStore pauses, ThirdPartyCall caller,
               Function<String, Destination> destinations, CircuitBreaker breaker, JobWakeups.Signal wakeup, String nodeId,
               MeterRegistry meters, Clock clock) {
        this.queue = queue;
        this.upstream = upstream;
        this.config = config;
        this.jobs = jobs;
        this.pacer = pacer;
        this.pauses = pauses;
        this.caller = caller;
        this.destinations = destinations;
        this.breaker = breaker;
        this.wakeup = wakeup;
        this.backoff = new Backoff(config.backoff(), config.jitter());
        this.clock = clock;
        this.meters = meters;
        for (int i = 0; i < config.workers(); i++) {
            String worker = nodeId + "/" + queue + "-" + (i + 1);
            Thread thread = new Thread(() -> run(worker), "gatehouse-job-" + queue + "-" + (i + 1));
            thread.setDaemon(true);
            threads.add(thread);
        }
        String[] tags = {"queue", queue};
        Gauge.builder("gatehouse.jobs.workers", threads, List::size).tags(tags)
                .description("Job workers this node runs for the queue").register(meters);
        Gauge.builder("gatehouse.jobs.workers.busy", calling, AtomicInteger::get).tags(tags)
                .description("Job workers of the queue calling its third party now").register(meters);
        Gauge.builder("gatehouse.jobs.workers.waiting", held, Map::size).tags(tags)
                .description("Job workers of the queue holding a job: waiting for its turn under the quota, or calling").register(meters);
        callTime = Timer.builder("gatehouse.jobs.call").tags(tags).description("Calls of the queue's jobs to their third party")
                .register(meters);
        retries = Counter.builder("gatehouse.jobs.retries").tags(tags).description("Job calls that failed and will be tried again")
                .register(meters);
    }

    void start() {
        threads.forEach(Thread::start);
    }

    String queue() {
        return queue;
    }

    QueueConfig config() {
        return config;
    }

    /** The claims this queue's workers hold now, for the heartbeat. */
    List<Claim> held() {
        return new ArrayList<>(held.values());
    }

    /** The heartbeat found these leases gone (another worker may have the jobs now): their calls are not made. */
    void lost(java.util.Collection<java.util.UUID> tokens) {
        lost.addAll(tokens);
    }

    private void run(String worker) {
        while (running) {
            try {
                work(worker);
            } catch (InterruptedException e) {
                if (!running) {
                    return;
                }
            } catch (RuntimeException e) {
                log.error("job worker {} failed; it goes on", worker, e);
                pause(UNAVAILABLE_WAIT);
            }
        }
    }

    /** One turn: take a job if the breaker lets calls through, wait for its slot, call, record. */
    private void work(String worker) throws InterruptedException {
        if (breaker != null && !breaker.tryAcquirePermission()) {
            wakeupOrTimeout(wakeup.generation(), Duration.ofMillis(Math.min(1000, config.pollInterval().toMillis())));
            return;
        }
        long generation = wakeup.generation();
        Claim claim;
        try {
            claim = jobs.claim(queue, worker, config.lease()).orElse(null);
            unavailableLogged = false;
        } catch (JobQueue.Unavailable e) {
            releasePermission();
            if (!unavailableLogged) {
                unavailableLogged = true;
                log.warn("job workers of queue {} cannot take jobs: {}", queue, e.getMessage());
            }
            pause(UNAVAILABLE_WAIT);
            return;
        }
        if (claim == null) {
            releasePermission();
            wakeupOrTimeout(generation, config.pollInterval());
            return;
        }
        held.put(claim.leaseToken(), claim);
        try {
            boolean turn;
            try {
                turn = pacer.permit(() -> !running);
            } catch (InterruptedException e) {
                turn = false;
            }
            if (!turn) {
                releasePermission();
                finish(claim, new Outcome.Released(Duration.ZERO, "the node is stopping"));
                return;
            }
            if (lost.remove(claim.leaseToken())) {
                releasePermission();
                return; // the lease ended while it waited for its turn: the job is someone else's now
            }
            Outcome outcome;
            try {
                outcome = call(claim);
            } catch (InterruptedException e) {
                // stopped mid-call: whether the third party got it is unknown; the next attempt carries the same key
                releasePermission();
                outcome = new Outcome.Released(Duration.ZERO, "the node stopped during the call");
            }
            finish(claim, outcome);
        } finally {
            held.remove(claim.leaseToken());
            lost.remove(claim.leaseToken());
        }
    }

    private Outcome call(Claim claim) throws InterruptedException {
        Destination destination = destinations.apply(claim.route());
        if (destination == null) {
            releasePermission();
            return new Outcome.Released(config.pollInterval(), "upstream '" + upstream + "' has no target");
        }
        int attempt = claim.attempts() + 1;
        long started = clock.read();
        calling.incrementAndGet();
        ThirdPartyCall.Result result;
        try {
            result = caller.send(claim, destination.base(), destination.headers(), config.timeout(), config.maxResultBytes());
        } catch (IOException e) {
            long took = clock.read() - started;
            callTime.record(took, TimeUnit.NANOSECONDS);
            String why = e instanceof HttpTimeoutException ? "no answer within " + config.timeout().toMillis() + " ms" : "no answer: " + e;
            calls(e instanceof HttpTimeoutException ? "timeout" : "error");
            if (breaker != null) {
                breaker.onError(took, TimeUnit.NANOSECONDS, e);
            }
            return failed(claim, attempt, null, why);
        } finally {
            calling.decrementAndGet();
        }
        long took = clock.read() - started;
        callTime.record(took, TimeUnit.NANOSECONDS);
        Answer answer = new Answer(result.status(), result.headers(), result.body(), result.bytes());
        int status = result.status();
        if (status == 429) {
            calls("429");
            releasePermission();
            Duration pause = result.retryAfter() != null && !result.retryAfter().isZero() ? result.retryAfter() : config.defaultPause();
            pauseQueue(pause, "429");
            return new Outcome.Released(pause, "429 from upstream '" + upstream + "': the queue is paused for " + pause.toMillis() + " ms");
        }
        if (status >= 500) {
            calls("5xx");
            if (breaker != null) {
                breaker.onError(took, TimeUnit.NANOSECONDS, new IOException(status + " from " + upstream));
            }
            if (status == 503 && result.retryAfter() != null && !result.retryAfter().isZero()) {
                pauseQueue(result.retryAfter(), "503");
            }
            return failed(claim, attempt, answer, status + " from upstream '" + upstream + "'");
        }
        if (breaker != null) {
            breaker.onSuccess(took, TimeUnit.NANOSECONDS);
        }
        if (status >= 400) {
            calls("4xx");
            return new Outcome.Failed(answer, status + " from upstream '" + upstream + "': it refused the request; not retried");
        }
        calls(status >= 300 ? "3xx" : "2xx");
        return status >= 300 ? new Outcome.Failed(answer, status + " from upstream '" + upstream + "': redirects are not followed")
                : new Outcome.Succeeded(answer);
    }

    /**
     * A retryable failure of attempt {@code attempt}: tried again after the backoff, or dead after the job's last attempt
     * (as many as its queue gave it when it was taken in; past the configured waits, the last wait again).
     */
    private Outcome failed(Claim claim, int attempt, Answer answer, String why) {
        String of = " (attempt " + attempt + " of " + claim.maxAttempts() + ")";
        if (attempt >= claim.maxAttempts()) {
            return new Outcome.Dead(answer, why + of);
        }
        double random = ThreadLocalRandom.current().nextDouble();
        Duration wait = config.backoff().isEmpty() ? Duration.ZERO
                : backoff.after(Math.min(attempt, config.backoff().size()), random);
        retries.increment();
        return new Outcome.Retry(wait, answer, why + of + "; tried again in " + wait.toMillis() + " ms");
    }

    private void pauseQueue(Duration pause, String why) {
        try {
            pauses.pause(upstream, pause);
            log.info("upstream {} answered {}: calls of its jobs pause for {} ms on every node", upstream, why, pause.toMillis());
        } catch (Exception e) {
            log.warn("upstream {} answered {} but the pause could not be shared ({}): this worker stops for it", upstream, why, e.getMessage());
            pause(pause);
        }
    }

    /** Records how the claim ended, trying again while PostgreSQL fails and the lease lasts. */
    private void finish(Claim claim, Outcome outcome) throws InterruptedException {
        long deadline = clock.read() + config.lease().toNanos();
        while (true) {
            try {
                if (!jobs.finish(claim, outcome)) {
                    log.debug("job {} was taken from worker's lease before it finished; its outcome is dropped", claim.id());
                    return;
                }
                if (outcome instanceof Outcome.Succeeded) {
                    finished("succeeded");
                } else if (outcome instanceof Outcome.Failed) {
                    finished("failed");
                } else if (outcome instanceof Outcome.Dead) {
                    finished("dead");
                } else if (outcome instanceof Outcome.Released released) {
                    Counter.builder("gatehouse.jobs.released").tag("queue", queue)
                            .description("Jobs handed back without an attempt: the queue paused by its third party, its breaker open, the node stopping")
                            .register(meters).increment();
                    log.debug("job {} back in queue {}: {}", claim.id(), queue, released.why());
                }
                return;
            } catch (JobQueue.Unavailable e) {
                if (clock.read() > deadline || !running) {
                    log.warn("could not record how job {} went ({}); its lease will end and it will be called again", claim.id(), e.getMessage());
                    return;
                }
                pause(UNAVAILABLE_WAIT);
            }
        }
    }

    private void calls(String outcome) {
        Counter.builder("gatehouse.jobs.calls").tag("queue", queue).tag("outcome", outcome)
                .description("Job calls to third parties by outcome: 2xx, 3xx, 4xx, 429, 5xx, timeout, error (no answer)")
                .register(meters).increment();
    }

    private void finished(String state) {
        Counter.builder("gatehouse.jobs.finished").tag("queue", queue).tag("state", state)
                .description("Jobs that reached an end: succeeded, failed (refused by the third party), dead (out of attempts)")
                .register(meters).increment();
    }

    private void releasePermission() {
        if (breaker != null) {
            breaker.releasePermission();
        }
    }

    private void wakeupOrTimeout(long generation, Duration most) throws InterruptedException {
        wakeup.await(generation, most);
    }

    private static void pause(Duration duration) {
        java.util.concurrent.locks.LockSupport.parkNanos(duration.toNanos());
    }

    /** Stops taking jobs; a call under way ends (within the timeout) and is recorded; what waits for its turn goes back. */
    @Override
    public void close() {
        running = false;
        wakeup.wake();
        long waitMillis = Math.min(config.timeout().toMillis() + 1000, 10_000);
        for (Thread thread : threads) {
            if (!held.isEmpty() || thread.isAlive()) {
                // threads parked waiting for a turn or a wake-up stop at once; one mid-call finishes it first
                if (calling.get() == 0) {
                    thread.interrupt();
                }
            }
        }
        for (Thread thread : threads) {
            try {
                thread.join(waitMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            thread.interrupt();
        }
    }
}
