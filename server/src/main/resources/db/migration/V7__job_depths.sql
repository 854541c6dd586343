-- Each queue's depth by state as last counted, shared by the nodes: counting a queue of hundreds of thousands of jobs
-- is a scan, so once a second one node counts for the cluster (the one that takes the queue's advisory lock) and the
-- others read its figures instead of counting again.
CREATE TABLE job_depths (
    queue       text        PRIMARY KEY,
    queued      bigint      NOT NULL,
    running     bigint      NOT NULL,
    succeeded   bigint      NOT NULL,
    failed      bigint      NOT NULL,
    dead        bigint      NOT NULL,
    oldest_ms   bigint      NOT NULL,   -- how long the oldest due queued job had waited when counted
    counted_at  timestamptz NOT NULL
);
