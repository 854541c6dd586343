-- Nodes beat every few seconds while they run and say when they stop, so the admin API (and the
-- dashboard's node selector) can tell the live nodes of a cluster from those that ran once.
ALTER TABLE gatehouse_nodes
    ADD COLUMN gateway_address text,
    ADD COLUMN admin_address   text,
    ADD COLUMN stopped_at      timestamptz;
