-- The review queue (see core/src/review.rs): requests to move a version to a stage, bound
-- to the candidate's artifact set at open time, the approvals and comments on them, and
-- each model's review policy. Booleans are INTEGER 0/1 (see 0001).
CREATE TABLE transition_requests (
    id                        INTEGER PRIMARY KEY,
    model_id                  BIGINT NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
    version                   BIGINT NOT NULL CHECK (version > 0),
    to_stage                  TEXT NOT NULL CHECK (to_stage IN ('None', 'Staging', 'Production', 'Archived')),
    requested_by              TEXT NOT NULL,
    comment                   TEXT NOT NULL DEFAULT '',
    archive_existing_versions INTEGER NOT NULL DEFAULT 0,
    status                    TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'approved', 'rejected', 'cancelled', 'applied')),
    approvals_needed          BIGINT NOT NULL CHECK (approvals_needed > 0),
    -- What was asked to be reviewed: the version's source, and the SHA-256 of its artifact
    -- manifest (every file under its frozen prefix: path, blob digest, size); NULL for an
    -- external reference, whose files this registry does not hold.
    candidate_source          TEXT NOT NULL,
    candidate_digest          TEXT,
    created_at                BIGINT NOT NULL,
    decided_at                BIGINT,
    decided_by                TEXT,
    decision_comment          TEXT
);
-- One open request per (version, stage).
CREATE UNIQUE INDEX transition_requests_one_open ON transition_requests(model_id, version, to_stage)
    WHERE status = 'open';
CREATE INDEX transition_requests_version ON transition_requests(model_id, version, id);

CREATE TABLE transition_request_approvals (
    request_id  BIGINT NOT NULL REFERENCES transition_requests(id) ON DELETE CASCADE,
    approver    TEXT NOT NULL,
    approved_at BIGINT NOT NULL,
    PRIMARY KEY (request_id, approver)
);

CREATE TABLE transition_request_comments (
    id         INTEGER PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES transition_requests(id) ON DELETE CASCADE,
    author     TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX transition_request_comments_request ON transition_request_comments(request_id, id);

-- A model without a row has the defaults: Production gated, one approval.
CREATE TABLE review_policies (
    model_id         BIGINT PRIMARY KEY REFERENCES registered_models(id) ON DELETE CASCADE,
    -- Comma-separated stage names.
    gated_stages     TEXT NOT NULL DEFAULT 'Production',
    approvals_needed BIGINT NOT NULL DEFAULT 1 CHECK (approvals_needed > 0),
    updated_at       BIGINT NOT NULL
);
