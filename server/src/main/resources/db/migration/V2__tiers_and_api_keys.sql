-- Rate-limit tiers, editable at run time. Limits are rates such as '1000/min'; every one must allow a request.
CREATE TABLE gatehouse_tiers (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9_-]{1,32}$'),
    limits      text[]      NOT NULL CHECK (cardinality(limits) > 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO gatehouse_tiers (name, limits) VALUES
    ('anonymous',  ARRAY['100/min']),
    ('free',       ARRAY['1000/min']),
    ('pro',        ARRAY['10000/min']),
    ('enterprise', ARRAY['100000/min']);

-- API keys: only the SHA-256 of a key is kept, with an 8-character prefix to tell keys apart.
CREATE TABLE gatehouse_api_keys (
    id            bigserial   PRIMARY KEY,
    key_hash      bytea       NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    prefix        text        NOT NULL CHECK (length(prefix) = 8),
    name          text        NOT NULL,
    tier          text        NOT NULL REFERENCES gatehouse_tiers (name),
    scopes        text[]      NOT NULL DEFAULT '{}',
    rate_override text[],
    active        boolean     NOT NULL DEFAULT true,
    expires_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
CREATE INDEX gatehouse_api_keys_prefix ON gatehouse_api_keys (prefix);
