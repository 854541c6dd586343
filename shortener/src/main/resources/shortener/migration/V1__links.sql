-- Short links. Times are written by the service from its own clock (epoch milliseconds), so expiry is the
-- service's decision and a test can move it.
-- Versions of links come from one sequence, so a link made again under a freed alias is newer than the
-- deleted one every cache may still remember.
CREATE SEQUENCE link_versions;

CREATE TABLE links (
    code        text PRIMARY KEY,                 -- base62 of id, or the alias the creator chose
    id          bigint NOT NULL UNIQUE,           -- the Snowflake id (aliases get one too): clicks hang off it
    url         text NOT NULL,
    owner       text NOT NULL,                    -- the gateway's X-Gatehouse-Subject of the creator
    permanent   boolean NOT NULL DEFAULT false,   -- 301 instead of 302
    created_at  bigint NOT NULL,
    updated_at  bigint NOT NULL,
    expires_at  bigint,                           -- null: never
    version     bigint NOT NULL DEFAULT nextval('link_versions')   -- new on every change: caches keep the newest
);
CREATE INDEX links_expiring ON links (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX links_by_owner ON links (owner, id);

-- Clicks, counted in process and added here in batches (write-behind): one row per link, day, referrer
-- host and user-agent family. Keyed by link id, not code, so a freed alias taken again starts at zero.
CREATE TABLE clicks_daily (
    link_id   bigint NOT NULL,
    day       date NOT NULL,
    referrer  text NOT NULL,
    agent     text NOT NULL,
    clicks    bigint NOT NULL,
    PRIMARY KEY (link_id, day, referrer, agent)
);
CREATE INDEX clicks_by_day ON clicks_daily (day);

-- Node ids for Snowflake ids, leased so no two running instances share one. issued_until: the last
-- millisecond the holder may have stamped an id with; the next holder starts after it.
CREATE TABLE node_leases (
    node_id       int PRIMARY KEY CHECK (node_id BETWEEN 0 AND 1023),
    holder        text NOT NULL,
    expires_at    timestamptz NOT NULL,
    issued_until  bigint NOT NULL
);

-- Fencing tokens of work that runs on one instance at a time: a holder writes only while its token is
-- the newest, so one that lost its lock (paused, partitioned) cannot write after the next holder began.
CREATE TABLE fences (
    name   text PRIMARY KEY,
    token  bigint NOT NULL
);
INSERT INTO fences (name, token) VALUES ('purge', 0);
