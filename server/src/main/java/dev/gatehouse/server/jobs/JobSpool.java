package dev.gatehouse.server.jobs;

import java.util.List;
import java.util.UUID;

/** Placeholder until the spool lands: keeps nothing, so intake refuses jobs while PostgreSQL is away. */
public final class JobSpool implements JobIntake.Overflow {
    @Override
    public boolean hold(List<JobQueue.NewJob> jobs) {
        return false;
    }

    @Override
    public JobQueue.NewJob held(String owner, String idempotencyKey) {
        return null;
    }

    JobQueue.NewJob held(UUID id) {
        return null;
    }
}
