//! SQL for the audit log: appending to the hash chain under the locked head, reading
//! events back (newest first, by subject prefix) and streaming the chain in order for
//! verification. There is deliberately no statement that updates or deletes an event; the
//! database refuses those too (triggers).
use super::Backend;
use crate::audit::{chain_hash, AuditEvent, AuditRecord};
use crate::error::Result;
use crate::time::now_millis;
use futures::stream::BoxStream;
use futures::StreamExt;
use sqlx::AnyConnection;

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    at: i64,
    actor: String,
    action: String,
    subject: String,
    before: String,
    after: String,
    prev_hash: String,
    hash: String,
}

impl From<EventRow> for AuditEvent {
    fn from(r: EventRow) -> AuditEvent {
        AuditEvent {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            subject: r.subject,
            before: r.before,
            after: r.after,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// The chain head: the last event's sequence number and hash.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

/// Appends one event after the current head and moves the head; on PostgreSQL the head row
/// is locked until commit (SQLite's writer lock already serialises appends).
pub async fn append(
    conn: &mut AnyConnection,
    backend: Backend,
    record: AuditRecord,
) -> Result<AuditEvent> {
    let head_sql = match backend {
        Backend::Sqlite => "SELECT seq, hash FROM audit_head WHERE id = 1",
        Backend::Postgres => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
    };
    let head: Head = sqlx::query_as(head_sql).fetch_one(&mut *conn).await?;
    let seq = head.seq + 1;
    let at = now_millis();
    let hash = chain_hash(&head.hash, seq, at, &record);
    sqlx::query(
        "INSERT INTO audit_events (seq, at, actor, action, subject, before, after, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(at)
    .bind(&record.actor)
    .bind(&record.action)
    .bind(&record.subject)
    .bind(&record.before)
    .bind(&record.after)
    .bind(&head.hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(AuditEvent {
        seq,
        at,
        actor: record.actor,
        action: record.action,
        subject: record.subject,
        before: record.before,
        after: record.after,
        prev_hash: head.hash,
        hash,
    })
}

/// Events newest first, before `before_seq`, for `subject` and the subjects under it
/// (`registered_model:m` takes in `registered_model:m@champion`, never
/// `registered_model:mx`); '' for all. Compared exactly, not with LIKE, whose case and
/// escape rules differ between SQLite and PostgreSQL.
pub async fn newest(
    conn: &mut AnyConnection,
    subject: &str,
    before_seq: i64,
    limit: i64,
) -> Result<Vec<AuditEvent>> {
    let prefix_len = subject.chars().count() as i64 + 1;
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT * FROM audit_events WHERE ($1 = '' OR subject = $1 \
         OR substr(subject, 1, CAST($2 AS INTEGER)) IN ($3, $4)) \
         AND seq < $5 ORDER BY seq DESC LIMIT $6",
    )
    .bind(subject)
    .bind(prefix_len)
    .bind(format!("{subject}@"))
    .bind(format!("{subject}/"))
    .bind(before_seq)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(AuditEvent::from).collect())
}

pub async fn count(conn: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM audit_events")
        .fetch_one(conn)
        .await?)
}

/// Every event in chain order, streamed (the log may be far larger than memory).
pub fn stream_in_order(conn: &mut AnyConnection) -> BoxStream<'_, Result<AuditEvent>> {
    sqlx::query_as::<_, EventRow>("SELECT * FROM audit_events ORDER BY seq")
        .fetch(conn)
        .map(|r| r.map(AuditEvent::from).map_err(Into::into))
        .boxed()
}

pub async fn head(conn: &mut AnyConnection) -> Result<Head> {
    Ok(
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(conn)
            .await?,
    )
}
