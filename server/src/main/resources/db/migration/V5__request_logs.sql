-- Every request a node answers, one row each, partitioned by day (created ahead by one node at a time;
-- the default partition takes a row whose day has none, and old days are dropped whole, never DELETEd).
CREATE TABLE request_logs (
    time         timestamptz NOT NULL,       -- when the request arrived
    request_id   text        NOT NULL,
    node_id      text        NOT NULL,       -- the node (one boot of it) that answered
    seq          bigint      NOT NULL,       -- the row's number on that node: shipping is exactly once by it
    route        text        NOT NULL,       -- 'none' when no route matched
    method       text        NOT NULL,
    path         text        NOT NULL,       -- as routed (normalised)
    status       smallint    NOT NULL,       -- 499: the client went away first
    duration_us  bigint      NOT NULL,       -- arrival to the last byte sent
    upstream_us  bigint,                     -- connect to the upstream's answer head; null when none was asked
    bytes_in     bigint      NOT NULL,
    bytes_out    bigint      NOT NULL,
    client       text,                       -- the client's address (after trusted proxies)
    subject      text,                       -- key:<id>, user:<id> or jwt:<sub>; never a secret
    key_id       bigint,
    user_id      bigint,
    tier         text,
    cache        text,                       -- HIT-L1, HIT-L2, MISS or STALE on cached routes
    rate_limit   text,                       -- allowed, limited or unavailable on limited routes
    target       text,                       -- the upstream target that answered (or was tried last)
    problem      text,                       -- the problem type's last part, for answers the gateway made itself
    trace_id     text                        -- from traceparent, when the request had one
) PARTITION BY RANGE (time);

CREATE TABLE request_logs_default PARTITION OF request_logs DEFAULT;

-- Ascending: rows arrive in time order, so each insert lands on an index's last page (newest-first reads scan
-- backwards just as fast). A request id is only ever looked up by equality: a hash index costs a fraction of a
-- B-tree's on random text, on every row written.
CREATE INDEX request_logs_time ON request_logs (time);
CREATE INDEX request_logs_request_id ON request_logs USING hash (request_id);
CREATE INDEX request_logs_route_time ON request_logs (route, time);
CREATE INDEX request_logs_key_time ON request_logs (key_id, time) WHERE key_id IS NOT NULL;

-- How far each node (boot) has shipped its rows: advanced in the same transaction as the rows it covers,
-- so a batch replayed after a crash or a lost acknowledgement is recognised and skipped.
CREATE TABLE request_log_shipping (
    node_id      text        PRIMARY KEY,
    shipped_seq  bigint      NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- This database's identity, written at the head of each spool segment: spooled rows are replayed only into the
-- database they were meant for, never into another one a node later serves from the same spool directory.
CREATE TABLE request_log_database (
    id  text  NOT NULL
);
INSERT INTO request_log_database (id) VALUES (md5(random()::text || clock_timestamp()::text || pg_backend_pid()));

-- Per minute x route x status class x tier: what analytics read instead of scanning raw rows. Nodes add
-- into a minute (never overwrite), in the same transaction as the rows they summarise.
CREATE TABLE request_rollups (
    minute          timestamptz NOT NULL,
    route           text        NOT NULL,
    status_class    smallint    NOT NULL,    -- 1 to 5
    tier            text        NOT NULL,    -- '' for callers without one
    requests        bigint      NOT NULL,
    limited         bigint      NOT NULL,    -- 429s
    cache_hits      bigint      NOT NULL,    -- HIT-L1, HIT-L2 or STALE
    cache_lookups   bigint      NOT NULL,    -- requests to cached routes
    bytes_in        bigint      NOT NULL,
    bytes_out       bigint      NOT NULL,
    duration_us_sum bigint      NOT NULL,
    histogram       bigint[]    NOT NULL,    -- latency counts per bucket (core's LatencyBuckets), trailing empty buckets left off
    PRIMARY KEY (minute, route, status_class, tier)
);

-- Per minute x API key, for the top callers of each node's minute (the rest under key_id 0).
CREATE TABLE request_rollups_keys (
    minute    timestamptz NOT NULL,
    key_id    bigint      NOT NULL,
    requests  bigint      NOT NULL,
    errors    bigint      NOT NULL,          -- 5xx
    limited   bigint      NOT NULL,
    PRIMARY KEY (minute, key_id)
);

-- Element-wise sum of two histograms (the longer one's tail kept), for merging a minute's buckets.
CREATE FUNCTION gatehouse_add_buckets(a bigint[], b bigint[]) RETURNS bigint[] LANGUAGE sql IMMUTABLE AS $$
    SELECT array_agg(coalesce(a[i], 0) + coalesce(b[i], 0) ORDER BY i)
    FROM generate_series(1, greatest(coalesce(array_length(a, 1), 0), coalesce(array_length(b, 1), 0))) AS i
$$;
