package dev.gatehouse.server.jobs;

import dev.gatehouse.server.jobs.JobQueue.Answer;
import dev.gatehouse.server.jobs.JobQueue.Claim;
import dev.gatehouse.server.jobs.JobQueue.NewJob;
import dev.gatehouse.server.jobs.JobQueue.Outcome;
import dev.gatehouse.server.jobs.JobQueue.Stored;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What every {@link JobQueue} must do, whatever keeps the jobs: a backend is a subclass that says how to make one.
 * Each test uses queue names of its own.
 */
abstract class JobQueueContract {
    static final Duration LONG = Duration.ofHours(1);

    /** A queue on a backend holding nothing this test made. */
    abstract JobQueue queue();

    static NewJob job(String queue, String owner, String key, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return new NewJob(UUID.randomUUID(), queue, "generate", owner, key, JobFingerprint.of("POST", "/v1/generate", "application/json", bytes),
                "POST", "/v1/generate", "content-type: application/json\n", bytes, "req-" + body, 3, Instant.now());
    }

    static String q(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static Answer answer(int status, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return new Answer(status, "content-type: text/plain\n", bytes, bytes.length);
    }

    @Test
    void shouldHandOutJobsOldestFirstEachToOneWorkerWithWhatItNeedsToCallTheThirdParty() throws Exception {
        JobQueue queue = queue();
        String name = q("order");
        List<Stored> stored = queue.submit(List.of(job(name, "key:1", null, "first"), job(name, "key:1", null, "second"),
                job(q("other"), "key:1", null, "elsewhere")));
        assertThat(stored).extracting(Stored::result).containsOnly(Stored.Result.CREATED);

        Claim first = queue.claim(name, "node-a/1", LONG).orElseThrow();
        Claim second = queue.claim(name, "node-b/1", LONG).orElseThrow();
        assertThat(new String(first.body(), StandardCharsets.UTF_8)).isEqualTo("first");
        assertThat(new String(second.body(), StandardCharsets.UTF_8)).isEqualTo("second");
        assertThat(first.id()).isEqualTo(stored.get(0).job());
        assertThat(first.method()).isEqualTo("POST");
        assertThat(first.target()).isEqualTo("/v1/generate");
        assertThat(first.headers()).isEqualTo("content-type: application/json\n");
        assertThat(first.attempts()).isZero();
        assertThat(first.maxAttempts()).isEqualTo(3);
        assertThat(queue.claim(name, "node-a/2", LONG)).as("each job is held by one worker").isEmpty();
    }

    @Test
    void shouldGiveEveryJobToExactlyOneOfManyWorkersClaimingAtOnce() throws Exception {
        JobQueue queue = queue();
        String name = q("race");
        List<NewJob> jobs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            jobs.add(job(name, "key:1", null, "job " + i));
        }
        queue.submit(jobs);
        Set<UUID> claimed = ConcurrentHashMap.newKeySet();
        List<UUID> twice = new ArrayList<>();
        ExecutorService workers = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                String worker = "node/" + w;
                running.add(workers.submit(() -> {
                    Optional<Claim> claim;
                    while ((claim = queue.claim(name, worker, LONG)).isPresent()) {
                        if (!claimed.add(claim.get().id())) {
                            synchronized (twice) {
                                twice.add(claim.get().id());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            workers.shutdown();
        }
        assertThat(twice).isEmpty();
        assertThat(claimed).hasSize(200);
    }

    @Test
    void shouldReturnTheSameJobWhenARequestIsSubmittedAgainUnderItsIdempotencyKey() throws Exception {
        JobQueue queue = queue();
        String name = q("idem");
        Stored first = queue.submit(List.of(job(name, "key:7", "k-1", "hello"))).get(0);
        Stored again = queue.submit(List.of(job(name, "key:7", "k-1", "hello"))).get(0);
        Stored different = queue.submit(List.of(job(name, "key:7", "k-1", "not hello"))).get(0);
        Stored otherCaller = queue.submit(List.of(job(name, "key:8", "k-1", "hello"))).get(0);
        assertThat(again.result()).isEqualTo(Stored.Result.EXISTING);
        assertThat(again.job()).isEqualTo(first.job());
        assertThat(different.result()).isEqualTo(Stored.Result.KEY_REUSED);
        assertThat(different.job()).isEqualTo(first.job());
        assertThat(otherCaller.result()).as("a key is the caller's own").isEqualTo(Stored.Result.CREATED);

        List<Stored> batch = queue.submit(List.of(job(name, "key:9", "k-2", "twice"), job(name, "key:9", "k-2", "twice")));
        assertThat(batch.get(0).result()).isEqualTo(Stored.Result.CREATED);
        assertThat(batch.get(1).result()).as("twice in one batch").isEqualTo(Stored.Result.EXISTING);
        assertThat(batch.get(1).job()).isEqualTo(batch.get(0).job());

        assertThat(queue.claim(name, "w", LONG)).isPresent();
        assertThat(queue.claim(name, "w", LONG)).isPresent();
        assertThat(queue.claim(name, "w", LONG)).isPresent();
        assertThat(queue.claim(name, "w", LONG)).as("three jobs stored in all").isEmpty();
    }

    @Test
    void shouldStoreJobsAcceptedEarlierWhateverTheirKeysMetMeanwhile() throws Exception {
        JobQueue queue = queue();
        String name = q("accepted");
        // accepted on a node while the queue was away; meanwhile the same request came again to another node, stored
        NewJob held = job(name, "key:1", "k", "same");
        UUID holder = queue.submit(List.of(job(name, "key:1", "k", "same"))).get(0).job();
        NewJob other = job(name, "key:1", "k", "different");
        List<Stored> replayed = queue.storeAccepted(List.of(held, other));
        assertThat(replayed.get(0).result()).isEqualTo(Stored.Result.EXISTING);
        assertThat(replayed.get(0).job()).as("the same request: the job its key names").isEqualTo(holder);
        assertThat(replayed.get(1).result()).as("a different request the client has a 202 for: stored, without the key")
                .isEqualTo(Stored.Result.CREATED);
        assertThat(replayed.get(1).job()).isEqualTo(other.id());
        assertThat(queue.storeAccepted(List.of(other)).get(0).result()).as("stored before: itself").isEqualTo(Stored.Result.EXISTING);
    }

    @Test
    void shouldHandAJobWhoseLeaseEndedToTheNextWorkerAndDropTheOldClaimsOutcome() throws Exception {
        JobQueue queue = queue();
        String name = q("lease");
        queue.submit(List.of(job(name, "key:1", null, "a"), job(name, "key:1", null, "b")));
        Claim lapsing = queue.claim(name, "dead-node/1", Duration.ofMillis(300)).orElseThrow();
        Claim kept = queue.claim(name, "live-node/1", Duration.ofMillis(300)).orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            queue.extend(List.of(kept), Duration.ofMillis(300));
            return queue.requeueExpired(10) == 1;
        });
        assertThat(queue.extend(List.of(kept, lapsing), LONG)).as("heartbeats keep a lease; a lapsed one is gone")
                .containsExactly(kept.leaseToken());
        Claim next = queue.claim(name, "live-node/2", LONG).orElseThrow();
        assertThat(next.id()).isEqualTo(lapsing.id());
        assertThat(queue.finish(lapsing, new Outcome.Succeeded(answer(200, "late")))).as("the old claim no longer holds it").isFalse();
        assertThat(queue.finish(next, new Outcome.Succeeded(answer(200, "ok")))).isTrue();
        assertThat(queue.finish(next, new Outcome.Succeeded(answer(200, "again")))).as("a claim ends once").isFalse();
    }

    @Test
    void shouldRetryAFailedCallWhenItsWaitIsOverAndCountTheAttempt() throws Exception {
        JobQueue queue = queue();
        String name = q("retry");
        queue.submit(List.of(job(name, "key:1", null, "a")));
        Claim first = queue.claim(name, "w", LONG).orElseThrow();
        assertThat(queue.finish(first, new Outcome.Retry(Duration.ZERO, answer(503, "busy"), "503 from the third party"))).isTrue();
        Claim second = queue.claim(name, "w", LONG).orElseThrow();
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.attempts()).isEqualTo(1);
        assertThat(queue.finish(second, new Outcome.Retry(LONG, answer(503, "busy"), "503 again"))).isTrue();
        assertThat(queue.claim(name, "w", LONG)).as("not before its wait is over").isEmpty();
    }

    @Test
    void shouldPutAReleasedJobBackWithoutSpendingAnAttempt() throws Exception {
        JobQueue queue = queue();
        String name = q("release");
        queue.submit(List.of(job(name, "key:1", null, "a")));
        Claim first = queue.claim(name, "w", LONG).orElseThrow();
        assertThat(queue.finish(first, new Outcome.Released(Duration.ZERO, "paused"))).isTrue();
        Claim again = queue.claim(name, "w", LONG).orElseThrow();
        assertThat(again.attempts()).isZero();
        assertThat(queue.finish(again, new Outcome.Dead(answer(500, "boom"), "500 three times"))).isTrue();
        assertThat(queue.claim(name, "w", LONG)).as("a dead job is not handed out").isEmpty();
    }

    @Test
    void shouldBuryAJobWhoseWorkersDiedOnItTooOften() throws Exception {
        JobQueue queue = queue();
        String name = q("poison");
        queue.submit(List.of(job(name, "key:1", null, "crashes its worker")));
        for (int i = 0; i < 2; i++) {
            queue.claim(name, "w" + i, Duration.ofMillis(50)).orElseThrow();
            await().atMost(Duration.ofSeconds(10)).until(() -> queue.requeueExpired(2) == 1);
        }
        assertThat(queue.claim(name, "w", LONG)).as("dead after two claims without an outcome").isEmpty();
    }
}
