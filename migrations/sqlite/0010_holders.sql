-- Who held each stage and alias of a model, from when to when, who moved it and how (see
-- core/src/holders.rs): one row per tenure, open (to_at NULL) while it lasts. "What served
-- at time T" is one range query. Seeded with the holders at the time of this migration.
CREATE TABLE holder_history (
    id         INTEGER PRIMARY KEY,
    model_id   BIGINT NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('stage', 'alias')),
    slot       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    from_at    BIGINT NOT NULL,
    to_at      BIGINT,
    moved_by   TEXT NOT NULL,
    how        TEXT NOT NULL CHECK (how IN ('direct', 'review', 'rollback', 'demotion', 'seeded')),
    request_id BIGINT,
    ended_by   TEXT
);
CREATE INDEX holder_history_model ON holder_history(model_id, kind, slot, from_at);
-- An alias has one holder at a time; a version is in one stage at a time.
CREATE UNIQUE INDEX holder_history_one_alias_holder ON holder_history(model_id, slot)
    WHERE kind = 'alias' AND to_at IS NULL;
CREATE UNIQUE INDEX holder_history_one_stage_per_version ON holder_history(model_id, version)
    WHERE kind = 'stage' AND to_at IS NULL;
INSERT INTO holder_history (model_id, kind, slot, version, from_at, moved_by, how)
    SELECT model_id, 'stage', stage, version, last_updated_time, '', 'seeded'
    FROM model_versions WHERE stage <> 'None';
INSERT INTO holder_history (model_id, kind, slot, version, from_at, moved_by, how)
    SELECT a.model_id, 'alias', a.alias, a.version, m.last_updated_time, '', 'seeded'
    FROM registered_model_aliases a JOIN registered_models m ON m.id = a.model_id;

-- Aliases that move only by review, a rollback or an approver, besides the model's
-- production alias (always protected while the review gate is on).
CREATE TABLE protected_aliases (
    model_id BIGINT NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
    alias    TEXT NOT NULL,
    PRIMARY KEY (model_id, alias)
);
