-- People who log in with email and password (a PBKDF2-SHA256 hash, never the password), and their sessions.
CREATE TABLE gatehouse_users (
    id            bigserial   PRIMARY KEY,
    email         text        NOT NULL UNIQUE CHECK (email = lower(email) AND position('@' in email) > 1),
    password_hash text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('admin', 'user')),
    tier          text        NOT NULL DEFAULT 'free' REFERENCES gatehouse_tiers (name),
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Session tokens are kept only as their SHA-256.
CREATE TABLE gatehouse_sessions (
    token_hash bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id    bigint      NOT NULL REFERENCES gatehouse_users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX gatehouse_sessions_expiry ON gatehouse_sessions (expires_at);
