-- Credentials: passwords that must be changed, tokens that expire, dashboard sessions,
-- the sign-in throttle, and the lock that makes the first administrator exactly once.
-- Times are epoch milliseconds, as everywhere else.

ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- One row a signed-in browser. The key is SHA-256 of the cookie's secret: a copy of the
-- table signs nobody in. Deleting the user's rows signs the user out everywhere.
CREATE TABLE sessions (
    id_hash           TEXT PRIMARY KEY,
    user_id           BIGINT NOT NULL REFERENCES users(id),
    created_at        BIGINT NOT NULL,
    last_seen_at      BIGINT NOT NULL,
    idle_deadline     BIGINT NOT NULL,
    absolute_deadline BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_absolute ON sessions (absolute_deadline);

-- Failed sign-ins, by account (`user:<name>`) and by client address (`ip:<addr>`), kept in
-- the database so every server sharing it throttles alike.
CREATE TABLE login_attempts (
    id     INTEGER PRIMARY KEY,
    scope  TEXT NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX login_attempts_scope_at ON login_attempts (scope, at);

-- A single row that startup locks while it decides whether to create the first
-- administrator, so two servers starting at once create one.
CREATE TABLE credential_bootstrap (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    admin_name TEXT,
    done_at    BIGINT
);
INSERT INTO credential_bootstrap (id) VALUES (1);
