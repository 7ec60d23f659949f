-- Who may do what (see core/src/access.rs): teams and their members, grants of a role to a
-- user or a team over the whole registry (model_id NULL) or one registered model, and the
-- team that owns a model. One grant per principal and scope: granting again replaces it.
CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);

CREATE TABLE team_members (
    team_id  BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

CREATE TABLE grants (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT REFERENCES users(id) ON DELETE CASCADE,
    team_id    BIGINT REFERENCES teams(id) ON DELETE CASCADE,
    model_id   BIGINT REFERENCES registered_models(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'contributor', 'approver', 'admin')),
    granted_by TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    CHECK ((user_id IS NULL) <> (team_id IS NULL))
);
CREATE UNIQUE INDEX grants_one_per_scope ON grants(COALESCE(user_id, 0), COALESCE(team_id, 0), COALESCE(model_id, 0));
CREATE INDEX grants_user ON grants(user_id);
CREATE INDEX grants_team ON grants(team_id);
CREATE INDEX grants_model ON grants(model_id);

ALTER TABLE registered_models ADD COLUMN owner_team_id BIGINT REFERENCES teams(id) ON DELETE SET NULL;

-- The alias an applied promotion to Production moves to the new version (NULL: none).
ALTER TABLE review_policies ADD COLUMN production_alias TEXT DEFAULT 'champion';
