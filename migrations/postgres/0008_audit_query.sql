-- The audit trail as managers read it (core/src/store/audit.rs, `filtered`): each filter
-- walks its own index newest first, so a page costs its own rows however long the log.
-- The subject filter uses `audit_events_subject` (0001).
CREATE INDEX audit_events_actor ON audit_events(actor, seq);
CREATE INDEX audit_events_action ON audit_events(action, seq);
-- A model's subjects (the model, its aliases, its versions) by the model's name; the
-- expression must stay exactly as `MODEL_OF_SUBJECT_POSTGRES` writes it.
CREATE INDEX audit_events_model ON audit_events((CASE
    WHEN substr(subject, 1, 17) = 'registered_model:' THEN split_part(substr(subject, 18), '@', 1)
    WHEN substr(subject, 1, 14) = 'model_version:' THEN split_part(substr(subject, 15), '/', 1)
    END), seq);
-- Subject prefixes are read as a byte-order range (`COLLATE "C"`), which an index in the
-- database's default collation cannot serve.
CREATE INDEX audit_events_subject_bytes ON audit_events((subject COLLATE "C"), seq);
