package dev.gatehouse.server.jobs;

import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.core.config.JobsConfig;
import dev.gatehouse.core.config.QueueConfig;
import dev.gatehouse.core.config.RouteConfig;
import dev.gatehouse.core.config.UpstreamConfig;
import dev.gatehouse.core.jobs.QuotaPlan;
import dev.gatehouse.core.time.Clock;
import dev.gatehouse.server.store.Database;
import dev.gatehouse.server.upstream.BreakerSettings;
import dev.gatehouse.server.upstream.UpstreamPool;
import dev.gatehouse.server.upstream.UpstreamTarget;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A node's async jobs: the queue in PostgreSQL, intake (what the routes' {@link JobIntakeFilter}s hand jobs to), what
 * clients and operators read back, each queue's workers with their pace and breaker, and the upkeep beside them on a
 * thread of its own: queue depths and quota use every second, lease heartbeats every third of a lease, leases that
 * ended put back every second, finished jobs past {@code jobs.retention} deleted every minute. Built once per node from
 * the configuration it starts with.
 */
public final class Jobs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Jobs.class);

    /** What the node gives its jobs besides the configuration. */
    public record Wiring(Database database, QuotaStore quota, Supplier<GatewayConfig> current, Supplier<Map<String, UpstreamPool>> pools,
                         String nodeId, java.nio.file.Path spoolDir) {
    }

    private final Vertx vertx;
    private final Clock clock;
    private final JobsConfig config;
    private final JobQueue queue;
    private final JobRecords records;
    private final JobIntake intake;
    private final QueueMonitor monitor;
    private final JobSpool spool;
    private final QuotaStore quota;
    private final JobWakeups wakeups;
    private final List<JobWorkers> workers = new ArrayList<>();
    /** Each queue's upstream and quota plan (absent without a quota). */
    private final Map<String, String> upstreamOf;
    private final Map<String, QuotaPlan> plans = new LinkedHashMap<>();
    private final Map<String, Long> pausedMillis = new ConcurrentHashMap<>();
    private final Map<String, List<Long>> used = new ConcurrentHashMap<>();
    private final int maxClaims;
    private final ScheduledExecutorService upkeep;

    public Jobs(Vertx vertx, GatewayConfig config, Wiring wiring, MeterRegistry meters, Clock clock) {
        this.vertx = vertx;
        this.clock = clock;
        this.config = config.jobs();
        this.spool = new JobSpool(wiring.spoolDir(), this.config.spoolMaxBytes(), wiring.nodeId(), meters);
        this.quota = wiring.quota();
        this.queue = new PgJobQueue(wiring.database().dataSource());
        this.records = new JobRecords(wiring.database().dataSource());
        this.intake = new JobIntake(queue, spool, this.config.intakeQueue(), this.config.batchRows(), this.config.writers(), meters, clock);
        this.upstreamOf = config.queueUpstreams();
        Map<String, Double> pace = new LinkedHashMap<>();
        upstreamOf.forEach((name, upstream) -> {
            UpstreamConfig u = config.upstreams().get(upstream);
            if (u != null && u.quota() != null) {
                QuotaPlan plan = QuotaPlan.of(u.quota());
                plans.putIfAbsent(upstream, plan);
                pace.put(name, plan.perSecond());
            }
        });
        this.monitor = new QueueMonitor(records, new ArrayList<>(upstreamOf.keySet()), pace,
                q -> pausedMillis.getOrDefault(upstreamOf.get(q), 0L), meters, clock);
        this.wakeups = new JobWakeups(wiring.database()::openListenConnection);
        int most = 1;
        Map<String, Pacer> pacers = new LinkedHashMap<>();
        Map<String, CircuitBreaker> breakers = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : upstreamOf.entrySet()) {
            String name = entry.getKey();
            String upstream = entry.getValue();
            QueueConfig queueConfig = this.config.queue(name);
            most = Math.max(most, queueConfig.attempts());
            UpstreamConfig u = config.upstreams().get(upstream);
            Pacer pacer = pacers.computeIfAbsent(upstream, up -> new Pacer(quota, up, plans.get(up)));
            CircuitBreaker breaker = u.breaker().enabled()
                    ? breakers.computeIfAbsent(upstream, up -> CircuitBreaker.of("jobs/" + up, BreakerSettings.of(u.breaker(), clock))) : null;
            ThirdPartyCall caller = new ThirdPartyCall(ThirdPartyCall.client(u.connectTimeout(), u.protocol().multiplexed()), clock);
            workers.add(new JobWorkers(name, upstream, queueConfig, queue, pacer, quota, caller, destinations(upstream, wiring), breaker,
                    wakeups.signal(name), wiring.nodeId(), meters, clock));
        }
        // a job whose workers died this many times without an outcome would likely kill the next one too
        this.maxClaims = 2 * most + 10;
        plans.forEach((upstream, plan) -> {
            for (int i = 0; i < plan.windows().size(); i++) {
                QuotaPlan.Window w = plan.windows().get(i);
                int index = i;
                Gauge.builder("gatehouse.jobs.quota.used", () -> {
                            List<Long> counts = used.get(upstream);
                            return counts == null || counts.size() <= index ? Double.NaN : counts.get(index);
                        }).tag("upstream", upstream).tag("window", w.text())
                        .description("Calls job workers of every node made to the third party in the window as it is aligned now").register(meters);
                Gauge.builder("gatehouse.jobs.quota.budget", w, QuotaPlan.Window::budget).tag("upstream", upstream).tag("window", w.text())
                        .description("Calls the workers allow themselves in the window: its target share of the third party's limit").register(meters);
            }
        });
        for (String upstream : new HashSet<>(upstreamOf.values())) {
            Gauge.builder("gatehouse.jobs.paused", () -> pausedMillis.getOrDefault(upstream, 0L) / 1000.0).tag("upstream", upstream)
                    .baseUnit("seconds").description("Seconds left of a pause the third party asked for (a 429, a 503 with Retry-After)")
                    .register(meters);
        }
        this.upkeep = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gatehouse-jobs-upkeep");
            t.setDaemon(true);
            return t;
        });
    }

    /** Where a job of a route goes now: a usable target of the upstream (in turn), with the route's header rules as they are now. */
    private static java.util.function.Function<String, JobWorkers.Destination> destinations(String upstream, Wiring wiring) {
        AtomicInteger turn = new AtomicInteger();
        return route -> {
            UpstreamPool pool = wiring.pools().get().get(upstream);
            if (pool == null || pool.targets().isEmpty()) {
                return null;
            }
            List<UpstreamTarget> usable = pool.targets().stream().filter(t -> t.health().isUsable()).toList();
            List<UpstreamTarget> from = usable.isEmpty() ? pool.targets() : usable;
            UpstreamTarget target = from.get(Math.floorMod(turn.getAndIncrement(), from.size()));
            RouteConfig config = wiring.current().get().routes().stream().filter(r -> r.name().equals(route)).findFirst().orElse(null);
            return new JobWorkers.Destination(target.config().scheme() + "://" + target.address(), config == null ? null : config.requestHeaders());
        };
    }

    /** Starts intake's writers, the workers and the upkeep. Call once, from the thread that starts the node. */
    public void start() {
        try {
            spool.start(records.databaseId(), queue);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot start the job intake: " + e.getMessage(), e);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read the job spool: " + e.getMessage(), e);
        }
        intake.start();
        if (upstreamOf.isEmpty()) {
            return;
        }
        monitor.refresh();
        readQuotas();
        if (config.listen()) {
            wakeups.start();
        }
        workers.forEach(JobWorkers::start);
        upkeep.scheduleWithFixedDelay(() -> {
            monitor.refresh();
            readQuotas();
        }, 1, 1, TimeUnit.SECONDS);
        long beat = workers.stream().mapToLong(w -> w.config().lease().toMillis() / 3).min().orElse(1000);
        upkeep.scheduleWithFixedDelay(this::heartbeat, beat, Math.max(10, beat), TimeUnit.MILLISECONDS);
        long reap = Math.min(1000, Math.max(10, beat));
        upkeep.scheduleWithFixedDelay(this::reap, reap, reap, TimeUnit.MILLISECONDS);
        upkeep.scheduleWithFixedDelay(this::purge, 1, 60, TimeUnit.SECONDS);
    }

    /** Renews the leases this node's workers hold; tells each queue which it lost. */
    private void heartbeat() {
        for (JobWorkers w : workers) {
            List<JobQueue.Claim> held = w.held();
            if (held.isEmpty()) {
                continue;
            }
            try {
                Set<UUID> kept = new HashSet<>(queue.extend(held, w.config().lease()));
                List<UUID> lost = held.stream().map(JobQueue.Claim::leaseToken).filter(t -> !kept.contains(t)).toList();
                if (!lost.isEmpty()) {
                    w.lost(lost);
                }
            } catch (JobQueue.Unavailable e) {
                log.debug("could not renew job leases: {}", e.getMessage());
            }
        }
    }

    private void reap() {
        try {
            int back = queue.requeueExpired(maxClaims);
            if (back > 0) {
                log.info("{} job(s) whose workers stopped answering went back to their queues", back);
            }
        } catch (JobQueue.Unavailable e) {
            log.debug("could not requeue jobs whose leases ended: {}", e.getMessage());
        }
    }

    private void purge() {
        try {
            int deleted;
            do {
                deleted = records.deleteFinished(clock.instant().minus(config.retention()), 10_000);
            } while (deleted == 10_000);
        } catch (Exception e) {
            log.debug("could not delete finished jobs: {}", e.getMessage());
        }
    }

    private void readQuotas() {
        for (String upstream : new HashSet<>(upstreamOf.values())) {
            try {
                pausedMillis.put(upstream, quota.pausedMillis(upstream));
                QuotaPlan plan = plans.get(upstream);
                if (plan != null) {
                    used.put(upstream, quota.used(upstream, plan));
                }
            } catch (Exception e) {
                log.debug("could not read the quota of upstream {}: {}", upstream, e.getMessage());
            }
        }
    }

    public Vertx vertx() {
        return vertx;
    }

    public Clock clock() {
        return clock;
    }

    public JobQueue queue() {
        return queue;
    }

    public JobRecords records() {
        return records;
    }

    public JobIntake intake() {
        return intake;
    }

    public QueueMonitor estimates() {
        return monitor;
    }

    /** Where a client polls a job: {@code <jobs.statusPath>/<id>}. */
    public String statusUrl(UUID id) {
        return config.statusPath() + "/" + id;
    }

    public String statusPath() {
        return config.statusPath();
    }

    /** A job this node accepted while PostgreSQL was away and still keeps on disk, or null. */
    public JobQueue.NewJob held(UUID id) {
        return spool.held(id);
    }

    /** The queues async routes send jobs to, with their upstreams, in order. */
    public Map<String, String> queues() {
        return upstreamOf;
    }

    /** The quota plan of an upstream, or null when it has none. */
    public QuotaPlan plan(String upstream) {
        return plans.get(upstream);
    }

    /** The calls made in each of an upstream's quota windows, as last read (null before the first read or without a quota). */
    public List<Long> used(String upstream) {
        return used.get(upstream);
    }

    /** Milliseconds left of a pause its third party asked for, as last read. */
    public long pausedMillis(String upstream) {
        return pausedMillis.getOrDefault(upstream, 0L);
    }

    /** Whether this node hears of new jobs now: its LISTEN connection is up (without it workers look every pollInterval). */
    public boolean listening() {
        return wakeups.listening();
    }

    /** Workers this node runs for a queue. */
    public int workers(String queueName) {
        return workers.stream().filter(w -> w.queue().equals(queueName)).mapToInt(w -> w.config().workers()).sum();
    }

    /** Stops the workers (a call under way is finished and recorded), stores what intake holds, then stops the upkeep. */
    @Override
    public void close() {
        workers.forEach(JobWorkers::close);
        intake.close();
        spool.close();
        wakeups.close();
        upkeep.shutdownNow();
        try {
            upkeep.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
