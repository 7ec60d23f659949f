//! SQL for the event outbox: the durable queue webhooks will deliver from. A row is
//! written beside each audit event, in the same transaction, so an event is announced
//! exactly when its change committed. The dashboard's live updates read it (`after`).
use crate::audit::AuditEvent;
use crate::error::Result;
use sqlx::AnyConnection;

/// One queued event, with what its audit event says it was.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRow {
    pub audit_seq: i64,
    pub at: i64,
    pub action: String,
    pub subject: String,
    pub delivered_at: Option<i64>,
    pub attempts: i64,
}

pub async fn append(conn: &mut AnyConnection, event: &AuditEvent) -> Result<()> {
    sqlx::query("INSERT INTO event_outbox (audit_seq) VALUES ($1)")
        .bind(event.seq)
        .execute(conn)
        .await?;
    Ok(())
}

/// Undelivered events, oldest first.
pub async fn pending(conn: &mut AnyConnection, limit: i64) -> Result<Vec<OutboxRow>> {
    Ok(sqlx::query_as(
        "SELECT o.audit_seq, a.at, a.action, a.subject, o.delivered_at, o.attempts \
         FROM event_outbox o JOIN audit_events a ON a.seq = o.audit_seq \
         WHERE o.delivered_at IS NULL ORDER BY o.audit_seq LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Events after `seq`, oldest first, at most `limit`: what a live view has not yet seen.
/// A range scan of the outbox's primary key, so polling it is cheap.
pub async fn after(conn: &mut AnyConnection, seq: i64, limit: i64) -> Result<Vec<OutboxRow>> {
    Ok(sqlx::query_as(
        "SELECT o.audit_seq, a.at, a.action, a.subject, o.delivered_at, o.attempts \
         FROM event_outbox o JOIN audit_events a ON a.seq = o.audit_seq \
         WHERE o.audit_seq > $1 ORDER BY o.audit_seq LIMIT $2",
    )
    .bind(seq)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The newest event's sequence number, 0 before any.
pub async fn last_seq(conn: &mut AnyConnection) -> Result<i64> {
    let seq: Option<i64> = sqlx::query_scalar("SELECT MAX(audit_seq) FROM event_outbox")
        .fetch_one(conn)
        .await?;
    Ok(seq.unwrap_or(0))
}
