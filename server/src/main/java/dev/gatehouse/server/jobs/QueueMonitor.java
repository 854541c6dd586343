package dev.gatehouse.server.jobs;

import dev.gatehouse.core.time.Clock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * What the node knows of its queues between reads of PostgreSQL (every second, on the jobs' upkeep thread): each
 * queue's depth by state and its oldest due job's wait (the same figures on every node: they are the cluster's), and
 * from them when a job should start: its place in the queue divided by the queue's pace (its quota's), or by how fast
 * the queue has been emptying when it has no quota, plus what is left of a pause.
 */
public final class QueueMonitor {
    private static final Logger log = LoggerFactory.getLogger(QueueMonitor.class);
    /** How old a count another node made may be and still be used: under the nodes' one-second reads. */
    static final Duration SHARED_FOR = Duration.ofMillis(900);

    private final JobRecords records;
    private final Clock clock;
    private final Map<String, Double> pace;
    private final ToLongFunction<String> pausedMillis;
    private final Map<String, JobRecords.Depth> depths = new ConcurrentHashMap<>();
    private final Map<String, Double> drained = new ConcurrentHashMap<>();
    private final Map<String, long[]> finishedBefore = new ConcurrentHashMap<>();
    private final List<String> queues;

    /**
     * @param pace calls per second each queue's quota allows (queues without a quota are absent)
     * @param pausedMillis how long each queue stays paused by its third party from now (0 when it is not)
     */
    public QueueMonitor(JobRecords records, List<String> queues, Map<String, Double> pace, ToLongFunction<String> pausedMillis,
                        MeterRegistry meters, Clock clock) {
        this.records = records;
        this.queues = List.copyOf(queues);
        this.pace = Map.copyOf(pace);
        this.pausedMillis = pausedMillis;
        this.clock = clock;
        for (String queue : queues) {
            for (JobRecords.State state : JobRecords.State.values()) {
                Gauge.builder("gatehouse.jobs.queue.depth", () -> depth(queue, state)).tag("queue", queue).tag("state", state.label())
                        .description("Jobs in the queue by state, cluster-wide (counted in PostgreSQL about once a second by one node for all; NaN before the first read)")
                        .register(meters);
            }
            Gauge.builder("gatehouse.jobs.oldest.waiting", () -> oldest(queue)).tag("queue", queue).baseUnit("seconds")
                    .description("How long the queue's oldest due job has waited to start").register(meters);
        }
    }

    private double depth(String queue, JobRecords.State state) {
        JobRecords.Depth d = depths.get(queue);
        return d == null ? Double.NaN : d.of(state);
    }

    private double oldest(String queue) {
        JobRecords.Depth d = depths.get(queue);
        return d == null ? Double.NaN : d.oldestWaiting().toMillis() / 1000.0;
    }

    /**
     * Reads every queue's depth again, as the cluster last counted it (within {@link #SHARED_FOR}: one node counts a
     * queue for all, about once a second). Blocking.
     */
    public void refresh() {
        try {
            for (JobRecords.Depth d : records.sharedDepths(queues, SHARED_FOR)) {
                long finished = d.of(JobRecords.State.SUCCEEDED) + d.of(JobRecords.State.FAILED) + d.of(JobRecords.State.DEAD);
                long at = d.countedAt().toEpochMilli();
                long[] before = finishedBefore.get(d.queue());
                // a rate between two counts, on the database's clock (a figure read again is no new count)
                if (before == null || at > before[0]) {
                    finishedBefore.put(d.queue(), new long[]{at, finished});
                    if (before != null && finished >= before[1]) {
                        double rate = (finished - before[1]) * 1000.0 / (at - before[0]);
                        drained.merge(d.queue(), rate, (old, fresh) -> 0.7 * old + 0.3 * fresh);
                    }
                }
                depths.put(d.queue(), d);
            }
        } catch (Exception e) {
            log.debug("could not read the job queues' depth: {}", e.getMessage());
        }
    }

    /** The queue's depth as last read, or null before the first read. */
    public JobRecords.Depth depth(String queue) {
        return depths.get(queue);
    }

    /** Jobs of the queue waiting to start, as last read. */
    public long waiting(String queue) {
        JobRecords.Depth d = depths.get(queue);
        return d == null ? 0 : d.of(JobRecords.State.QUEUED);
    }

    /** When a job with {@code ahead} queued jobs before it should start; null when nothing tells (no quota, nothing drained yet). */
    public Instant estimatedStart(String queue, long ahead) {
        Double perSecond = pace.get(queue);
        if (perSecond == null) {
            Double rate = drained.get(queue);
            perSecond = rate != null && rate > 0.01 ? rate : null;
        }
        long paused = pausedMillis.applyAsLong(queue);
        Instant now = clock.instant();
        if (perSecond == null) {
            return ahead == 0 ? now.plusMillis(paused) : null;
        }
        return now.plusMillis(paused).plus(Duration.ofMillis((long) (ahead * 1000 / perSecond)));
    }

    /** The queues watched, in order. */
    public List<String> queues() {
        return new ArrayList<>(queues);
    }

    /** Calls per second the queue's quota allows, or null without one. */
    public Double pace(String queue) {
        return pace.get(queue);
    }
}
