-- The event outbox: one row per audited change, written in the change's own transaction,
-- so a webhook deliverer (to come) can hand every event on at least once without ever
-- announcing a change that rolled back. `delivered_at` stays NULL until then.
CREATE TABLE event_outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    audit_seq    INTEGER NOT NULL UNIQUE REFERENCES audit_events(seq),
    at           INTEGER NOT NULL,
    action       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    delivered_at INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX event_outbox_pending ON event_outbox(id) WHERE delivered_at IS NULL;
