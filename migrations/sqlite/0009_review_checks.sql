-- Required checks (see core/src/review/checks.rs): each model's checks, part of its review
-- policy, and the latest result of each check on each transition request, with the values
-- it saw. Booleans are INTEGER 0/1 (see 0001).
CREATE TABLE review_policy_checks (
    model_id   BIGINT NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
    -- The check's place in the policy, so a policy reads back in the order it was set.
    position   BIGINT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('filter', 'not_worse_than')),
    -- A filter's condition, or the metric a not-worse-than check compares.
    condition  TEXT NOT NULL,
    direction  TEXT CHECK (direction IN ('higher', 'lower')),
    PRIMARY KEY (model_id, name)
);

CREATE TABLE transition_request_checks (
    request_id   BIGINT NOT NULL REFERENCES transition_requests(id) ON DELETE CASCADE,
    position     BIGINT NOT NULL,
    name         TEXT NOT NULL,
    condition    TEXT NOT NULL,
    passed       INTEGER NOT NULL,
    -- What the evaluation read (JSON: the run, the candidate's values, the Production
    -- versions' values).
    seen         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    evaluated_at BIGINT NOT NULL,
    PRIMARY KEY (request_id, name)
);
