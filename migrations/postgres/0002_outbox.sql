-- The event outbox: one row per audited change, written in the change's own transaction,
-- so a webhook deliverer (to come) can hand every event on at least once without ever
-- announcing a change that rolled back; `delivered_at` stays NULL until then. The row
-- is keyed by its audit event (which holds the action, subject and contents) and has no
-- other index: every write pays for it, so it is kept to one b-tree insert.
CREATE TABLE event_outbox (
    audit_seq    BIGINT PRIMARY KEY REFERENCES audit_events(seq),
    delivered_at BIGINT,
    attempts     BIGINT NOT NULL DEFAULT 0
);
