-- Jobs that async routes took in: the request to send, who sent it, where it stands, and the third party's answer.
-- Workers on any node claim them with FOR UPDATE SKIP LOCKED and a lease; a lease that ends unrenewed (its worker or
-- node died) puts the job back in the queue.
CREATE TABLE jobs (
    id              uuid        PRIMARY KEY,          -- made by the node that accepted it (also while it was spooled)
    seq             bigint      GENERATED ALWAYS AS IDENTITY,  -- the order jobs entered the queue
    queue           text        NOT NULL,
    route           text        NOT NULL,
    owner           text        NOT NULL,             -- key:<id>, user:<id> or jwt:<sub>: who may read the job
    idempotency_key text,                             -- the client's Idempotency-Key, unique per owner while kept
    fingerprint     bytea       NOT NULL,             -- SHA-256 of method, target, content type and body
    state           text        NOT NULL DEFAULT 'queued',
    method          text        NOT NULL,
    target          text        NOT NULL,             -- path and query to send upstream
    headers         text        NOT NULL,             -- request headers to send as "name: value" lines; never a credential
    body            bytea       NOT NULL,
    request_id      text,                             -- the X-Request-Id of the submission
    attempts        integer     NOT NULL DEFAULT 0,   -- calls made to the third party
    max_attempts    integer     NOT NULL,
    claims          integer     NOT NULL DEFAULT 0,   -- times a worker took it (more than attempts when workers died)
    run_at          timestamptz NOT NULL,             -- not before: now, or the next retry's time
    created_at      timestamptz NOT NULL,             -- when a node accepted it
    stored_at       timestamptz NOT NULL DEFAULT now(),
    lease_token     uuid,                             -- the claim under way: only it may finish the job
    leased_by       text,                             -- <node>/<worker>
    lease_until     timestamptz,
    started_at      timestamptz,                      -- the last claim
    finished_at     timestamptz,
    result_status   integer,                          -- the third party's status, on the last attempt
    result_headers  text,
    result_body     bytea,                            -- at most the queue's maxResultBytes of it
    result_bytes    bigint,                           -- how long the body really was
    last_error      text,
    CONSTRAINT jobs_state CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'dead'))
);

CREATE UNIQUE INDEX jobs_idempotency ON jobs (owner, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- what workers claim from: due jobs of a queue, oldest due first
CREATE INDEX jobs_ready ON jobs (queue, run_at, seq) WHERE state = 'queued';
-- what the lease reaper looks at
CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state = 'running';
-- heartbeats and finishing name a claim by its job and token: the primary key finds it
-- listing a queue by state (dead letters), counting depth
CREATE INDEX jobs_queue_state ON jobs (queue, state, seq);
-- retention: finished jobs are deleted once older than jobs.retention
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

-- A job accepted while PostgreSQL was away (spooled on one node) whose idempotency key another job had taken by the
-- time it was stored: its id stays valid and reads as that job.
CREATE TABLE job_aliases (
    alias       uuid        PRIMARY KEY,
    job         uuid        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The outbound quota of each upstream when no Redis is configured: the pace (GCRA's theoretical arrival time and
-- remainder, as the in-process and Redis limiters keep it), a pause (a third party's 429 or 503 Retry-After), and the
-- calls made in each window as it is aligned now, for reading.
CREATE TABLE job_quotas (
    upstream       text    PRIMARY KEY,
    tat_us         bigint  NOT NULL DEFAULT 0,
    tat_rem        bigint  NOT NULL DEFAULT 0,
    paused_until   timestamptz,
    window_starts  bigint[] NOT NULL DEFAULT '{}',
    window_calls   bigint[] NOT NULL DEFAULT '{}'
);
