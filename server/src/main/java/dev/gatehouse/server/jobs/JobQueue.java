package dev.gatehouse.server.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Where jobs wait and move: stored durably, claimed by one worker at a time under a lease, renewed by heartbeats,
 * finished by the claim that holds them, and handed back when a lease ends unrenewed. Delivery is at least once:
 * a worker that dies mid-call leaves its job to be claimed again. PostgreSQL implements it ({@link PgJobQueue});
 * a broker could, passing the same contract suite, without the workers or intake changing. All calls block.
 */
public interface JobQueue {

    /** The queue could not be reached or refused the work; the caller keeps what it had (and tries again later). */
    final class Unavailable extends Exception {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A job to store.
     *
     * @param owner who may read it: {@code key:<id>}, {@code user:<id>} or {@code jwt:<sub>}
     * @param idempotencyKey the client's key, unique per owner: a second job with it is not stored
     * @param fingerprint what makes two submissions the same request (a digest of method, target, type and body)
     * @param target path and query to send to the upstream
     * @param headers request headers to send, as {@code name: value} lines (never a credential)
     */
    record NewJob(UUID id, String queue, String route, String owner, String idempotencyKey, byte[] fingerprint, String method,
                  String target, String headers, byte[] body, String requestId, int maxAttempts, Instant createdAt) {
    }

    /** What became of a {@link NewJob}: stored, or the job its idempotency key already names. */
    record Stored(UUID submitted, UUID job, Result result, String state, Instant createdAt) {
        public enum Result {
            /** Stored as a new job. */
            CREATED,
            /** The same request under a key already used (or the job itself, stored before): that job. */
            EXISTING,
            /** The key is already used for a different request: nothing stored. */
            KEY_REUSED
        }
    }

    /** A job a worker holds, with everything it needs to make the call; the lease token names this claim. */
    record Claim(UUID id, String queue, String route, String method, String target, String headers, byte[] body, int attempts,
                 int maxAttempts, UUID leaseToken, Instant createdAt) {
    }

    /** What the third party answered (the body cut to the queue's bound; {@code bytes} is its whole length). */
    record Answer(int status, String headers, byte[] body, long bytes) {
    }

    /** How a claim ends. */
    sealed interface Outcome {
        /** The call made and answered with a 2xx. */
        record Succeeded(Answer answer) implements Outcome {
        }

        /** The call made and refused for good (a 4xx other than 429): the job is failed, not retried. */
        record Failed(Answer answer, String error) implements Outcome {
        }

        /** The call made and failed (5xx, timeout, connection): tried again after {@code delay}. */
        record Retry(Duration delay, Answer answer, String error) implements Outcome {
        }

        /** The call made and failed for the last time: the job is a dead letter. */
        record Dead(Answer answer, String error) implements Outcome {
        }

        /** No call made (the third party paused the queue, its breaker is open, the node stops): back to the queue after {@code delay}, no attempt spent. */
        record Released(Duration delay, String why) implements Outcome {
        }
    }

    /** Stores jobs in one transaction, in order, and wakes the workers of their queues. */
    List<Stored> submit(List<NewJob> jobs) throws Unavailable;

    /**
     * Stores jobs a node has already answered 202 for (it kept them on disk while the queue was away): none may be
     * refused. One whose idempotency key another job took meanwhile reads as that job from now on (its id an alias of
     * it) when it is the same request, and is stored without the key when it is not.
     */
    List<Stored> storeAccepted(List<NewJob> jobs) throws Unavailable;

    /** The queue's oldest due job, now held by {@code worker} for {@code lease}; empty when none is due. */
    Optional<Claim> claim(String queue, String worker, Duration lease) throws Unavailable;

    /** Renews the leases of these claims for {@code lease} from now; returns the lease tokens still held (the others were lost). */
    List<UUID> extend(Collection<Claim> claims, Duration lease) throws Unavailable;

    /** Ends a claim; false when the claim no longer holds the job (its lease ended and another took it): nothing changed. */
    boolean finish(Claim claim, Outcome outcome) throws Unavailable;

    /**
     * Puts jobs whose leases ended back in their queues; a job claimed {@code maxClaims} times without an outcome (its
     * workers died each time) is dead instead. Returns how many were put back or buried.
     */
    int requeueExpired(int maxClaims) throws Unavailable;
}
