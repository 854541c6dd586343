package dev.gatehouse.server.jobs;

import dev.gatehouse.core.config.StorageConfig;
import dev.gatehouse.server.jobs.JobQueue.Claim;
import dev.gatehouse.server.jobs.JobQueue.Outcome;
import dev.gatehouse.server.store.Database;
import dev.gatehouse.testkit.TestDatabase;
import dev.gatehouse.testkit.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The PostgreSQL queue passes the contract; and what it keeps reads back as operators and clients see it. */
class PgJobQueueTest extends JobQueueContract {
    static TestDatabase database;
    static Database db;

    @BeforeAll
    static void open() {
        database = TestPostgres.newDatabase();
        db = Database.open(new StorageConfig(database.jdbcUrl(), null, null, 8, Duration.ofSeconds(5), null), null);
    }

    @AfterAll
    static void close() {
        db.close();
        database.close();
    }

    @Override
    JobQueue queue() {
        return new PgJobQueue(db.dataSource());
    }

    @Test
    void shouldKeepTheThirdPartysAnswerAndWhereTheJobStands() throws Exception {
        JobQueue queue = queue();
        JobRecords records = new JobRecords(db.dataSource());
        String name = q("records");
        UUID id = queue.submit(List.of(job(name, "key:3", "idem-1", "payload"))).get(0).job();
        UUID second = queue.submit(List.of(job(name, "key:3", null, "later"))).get(0).job();
        assertThat(records.position(records.find(second).orElseThrow())).isEqualTo(1);

        Claim claim = queue.claim(name, "node/1", LONG).orElseThrow();
        assertThat(records.find(id).orElseThrow().state()).isEqualTo(JobRecords.State.RUNNING);
        assertThat(records.find(id).orElseThrow().leasedBy()).isEqualTo("node/1");
        queue.finish(claim, new Outcome.Failed(answer(400, "bad prompt"), "400 from the third party"));
        JobRecords.Job failed = records.find(id).orElseThrow();
        assertThat(failed.state()).isEqualTo(JobRecords.State.FAILED);
        assertThat(failed.attempts()).isEqualTo(1);
        assertThat(failed.resultStatus()).isEqualTo(400);
        assertThat(new String(failed.resultBody(), StandardCharsets.UTF_8)).isEqualTo("bad prompt");
        assertThat(failed.lastError()).isEqualTo("400 from the third party");
        assertThat(failed.finishedAt()).isNotNull();
        assertThat(failed.owner()).isEqualTo("key:3");
        assertThat(failed.idempotencyKey()).isEqualTo("idem-1");

        assertThat(records.depths(List.of(name)).get(0).of(JobRecords.State.FAILED)).isEqualTo(1);
        assertThat(records.depths(List.of(name)).get(0).of(JobRecords.State.QUEUED)).isEqualTo(1);
        assertThat(records.list(name, JobRecords.State.FAILED, 0, 10)).extracting(JobRecords.Job::id).containsExactly(id);

        assertThat(records.replay(null, name, JobRecords.State.FAILED)).isEqualTo(1);
        JobRecords.Job replayed = records.find(id).orElseThrow();
        assertThat(replayed.state()).isEqualTo(JobRecords.State.QUEUED);
        assertThat(replayed.attempts()).as("attempts afresh").isZero();
        assertThat(records.delete(second)).isTrue();
        assertThat(records.find(second)).isEmpty();
    }

    @Test
    void aQueueIsCountedOnceForTheClusterAndEveryOtherNodeReadsThatCountUntilItIsDue() throws Exception {
        JobQueue queue = queue();
        String name = q("depths");
        try (Database other = Database.open(new StorageConfig(database.jdbcUrl(), null, null, 2, Duration.ofSeconds(5), null), null)) {
            JobRecords one = new JobRecords(db.dataSource());
            JobRecords two = new JobRecords(other.dataSource());
            Duration anHour = Duration.ofHours(1);
            queue.submit(List.of(job(name, "key:1", null, "a"), job(name, "key:1", null, "b")));
            JobRecords.Depth first = one.sharedDepths(List.of(name), anHour).get(0);
            assertThat(first.of(JobRecords.State.QUEUED)).as("no count yet: this node counts").isEqualTo(2);

            queue.submit(List.of(job(name, "key:1", null, "c")));
            JobRecords.Depth read = two.sharedDepths(List.of(name), anHour).get(0);
            assertThat(read.of(JobRecords.State.QUEUED)).as("the other node reads the count, not the table").isEqualTo(2);
            assertThat(read.countedAt()).isEqualTo(first.countedAt());

            JobRecords.Depth due = two.sharedDepths(List.of(name), Duration.ZERO).get(0);
            assertThat(due.of(JobRecords.State.QUEUED)).as("a count past its age is made again").isEqualTo(3);
            assertThat(one.sharedDepths(List.of(name), anHour).get(0).of(JobRecords.State.QUEUED)).isEqualTo(3);

            // while a node counts (it holds the queue's lock), another takes the last count rather than counting too
            queue.submit(List.of(job(name, "key:1", null, "d")));
            try (java.sql.Connection counting = db.dataSource().getConnection()) {
                counting.setAutoCommit(false);
                try (var lock = counting.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('gatehouse.job_depths'), hashtext(?))")) {
                    lock.setString(1, name);
                    lock.execute();
                }
                assertThat(two.sharedDepths(List.of(name), Duration.ZERO).get(0).of(JobRecords.State.QUEUED)).isEqualTo(3);
                counting.rollback();
            }
            assertThat(two.sharedDepths(List.of(name), Duration.ZERO).get(0).of(JobRecords.State.QUEUED)).isEqualTo(4);
            assertThat(one.depths(List.of(name)).get(0).of(JobRecords.State.QUEUED)).as("the admin API counts on the spot").isEqualTo(4);
        }
    }

    @Test
    void shouldReadAJobAcceptedUnderAKeyAnotherJobTookAsThatJob() throws Exception {
        JobQueue queue = queue();
        JobRecords records = new JobRecords(db.dataSource());
        String name = q("alias");
        UUID holder = queue.submit(List.of(job(name, "key:4", "k", "same"))).get(0).job();
        JobQueue.NewJob spooled = job(name, "key:4", "k", "same");
        queue.storeAccepted(List.of(spooled));
        assertThat(records.find(spooled.id()).orElseThrow().id()).isEqualTo(holder);
    }
}
