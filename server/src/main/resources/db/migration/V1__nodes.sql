-- Gateway nodes that have started against this database. Later policies (limit / expected nodes,
-- partition maintenance by one node) read it; operators see which nodes ran and when.
CREATE TABLE gatehouse_nodes (
    node_id     text PRIMARY KEY,
    hostname    text        NOT NULL,
    version     text        NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now()
);
