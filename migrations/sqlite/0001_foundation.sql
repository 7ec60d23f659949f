-- Pedigree schema, SQLite. Times are epoch milliseconds. Registry invariants live here,
-- Booleans are INTEGER 0/1: the sqlx Any driver cannot decode SQLite's BOOLEAN type.
-- not only in code: unique (model, version), one alias per name per model, and at most one
-- Production version per model whose policy says so (a partial unique index).

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL DEFAULT '',
    password_hash TEXT,
    is_admin      INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL DEFAULT '',
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE experiments (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    artifact_location TEXT NOT NULL,
    lifecycle_stage   TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    creation_time     BIGINT NOT NULL,
    last_update_time  BIGINT NOT NULL
);

CREATE TABLE experiment_tags (
    experiment_id BIGINT NOT NULL REFERENCES experiments(id),
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (experiment_id, key)
);

CREATE TABLE runs (
    run_id          TEXT PRIMARY KEY,
    experiment_id   BIGINT NOT NULL REFERENCES experiments(id),
    name            TEXT NOT NULL,
    user_id         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    start_time      BIGINT NOT NULL,
    end_time        BIGINT,
    artifact_uri    TEXT NOT NULL,
    lifecycle_stage TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    deleted_time    BIGINT
);
CREATE INDEX runs_experiment ON runs(experiment_id, start_time);

CREATE TABLE run_params (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);

CREATE TABLE run_tags (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);

-- Full step history. NaN is stored as NULL value with is_nan (PostgreSQL and SQLite agree on that).
CREATE TABLE metrics (
    run_id    TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    key       TEXT NOT NULL,
    value     DOUBLE PRECISION,
    is_nan    INTEGER NOT NULL DEFAULT 0,
    timestamp BIGINT NOT NULL,
    step      BIGINT NOT NULL,
    -- The MLflow 3 logged model a point belongs to, when a client says so.
    model_id  TEXT
);
-- An identical point logged twice is stored once (MLflow 3 clients re-log points with a model id).
CREATE UNIQUE INDEX metrics_history ON metrics(run_id, key, step, timestamp, value, is_nan);

CREATE TABLE latest_metrics (
    run_id    TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    key       TEXT NOT NULL,
    value     DOUBLE PRECISION,
    is_nan    INTEGER NOT NULL DEFAULT 0,
    timestamp BIGINT NOT NULL,
    step      BIGINT NOT NULL,
    PRIMARY KEY (run_id, key)
);

CREATE TABLE datasets (
    id            INTEGER PRIMARY KEY,
    experiment_id BIGINT NOT NULL REFERENCES experiments(id),
    name          TEXT NOT NULL,
    digest        TEXT NOT NULL,
    source_type   TEXT NOT NULL,
    source        TEXT NOT NULL,
    schema        TEXT,
    profile       TEXT,
    UNIQUE (experiment_id, name, digest)
);

CREATE TABLE run_inputs (
    run_id     TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    dataset_id BIGINT NOT NULL REFERENCES datasets(id),
    tags_json  TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (run_id, dataset_id)
);

CREATE TABLE logged_models (
    model_id          TEXT PRIMARY KEY,
    experiment_id     BIGINT NOT NULL REFERENCES experiments(id),
    name              TEXT NOT NULL,
    source_run_id     TEXT REFERENCES runs(run_id),
    status            TEXT NOT NULL,
    artifact_location TEXT NOT NULL,
    model_type        TEXT,
    lifecycle_stage   TEXT NOT NULL DEFAULT 'active',
    creation_time     BIGINT NOT NULL,
    last_updated_time BIGINT NOT NULL
);

CREATE TABLE logged_model_params (
    model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
);

CREATE TABLE logged_model_tags (
    model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
);

CREATE TABLE registered_models (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    description       TEXT NOT NULL DEFAULT '',
    single_production INTEGER NOT NULL DEFAULT 1,
    next_version      BIGINT NOT NULL DEFAULT 1,
    creation_time     BIGINT NOT NULL,
    last_updated_time BIGINT NOT NULL
);

CREATE TABLE registered_model_tags (
    model_id BIGINT NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
);

CREATE TABLE model_versions (
    id                INTEGER PRIMARY KEY,
    model_id          BIGINT NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
    version           BIGINT NOT NULL CHECK (version > 0),
    source            TEXT NOT NULL,
    run_id            TEXT,
    run_link          TEXT NOT NULL DEFAULT '',
    logged_model_id   TEXT,
    status            TEXT NOT NULL DEFAULT 'READY',
    stage             TEXT NOT NULL DEFAULT 'None' CHECK (stage IN ('None', 'Staging', 'Production', 'Archived')),
    -- A copy of the model's policy, so the partial unique index below can enforce it.
    single_production INTEGER NOT NULL DEFAULT 1,
    description       TEXT NOT NULL DEFAULT '',
    user_id           TEXT NOT NULL DEFAULT '',
    creation_time     BIGINT NOT NULL,
    last_updated_time BIGINT NOT NULL,
    UNIQUE (model_id, version)
);
CREATE UNIQUE INDEX model_versions_one_production ON model_versions(model_id)
    WHERE stage = 'Production' AND single_production;
CREATE INDEX model_versions_run ON model_versions(run_id);

CREATE TABLE model_version_tags (
    version_id BIGINT NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (version_id, key)
);

CREATE TABLE registered_model_aliases (
    model_id BIGINT NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
    alias    TEXT NOT NULL,
    version  BIGINT NOT NULL,
    PRIMARY KEY (model_id, alias),
    FOREIGN KEY (model_id, version) REFERENCES model_versions(model_id, version) ON DELETE CASCADE
);

-- Content-addressed blobs: one row per distinct content.
CREATE TABLE blobs (
    digest     TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The artifact tree: a path under the artifact root (`<exp>/<run>/artifacts/...` or
-- `<exp>/models/<model_id>/artifacts/...`) → a blob.
CREATE TABLE artifacts (
    path       TEXT PRIMARY KEY,
    digest     TEXT NOT NULL REFERENCES blobs(digest),
    size       BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Directories frozen by registration: nothing at or below them can change any more.
CREATE TABLE frozen_prefixes (
    prefix    TEXT PRIMARY KEY,
    frozen_at BIGINT NOT NULL
);

-- A run's MLflow 3 model outputs.
CREATE TABLE run_outputs (
    run_id   TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    model_id TEXT NOT NULL REFERENCES logged_models(model_id) ON DELETE CASCADE,
    step     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, model_id)
);

-- The audit log. Append-only: the triggers refuse UPDATE and DELETE, and the hash chain
-- detects any change made around them.
CREATE TABLE audit_events (
    seq       BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    before    TEXT NOT NULL,
    after     TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_events_subject ON audit_events(subject, seq);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- The chain's head: one row, locked by every writer that appends.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

INSERT INTO experiments (id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', 0, 0);
