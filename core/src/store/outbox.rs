//! SQL for the event outbox: the durable queue webhooks will deliver from. A row is
//! written beside each audit event, in the same transaction, so an event is announced
//! exactly when its change committed. Nothing consumes it yet.
use crate::audit::AuditEvent;
use crate::error::Result;
use sqlx::AnyConnection;

/// One queued event.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub audit_seq: i64,
    pub at: i64,
    pub action: String,
    pub subject: String,
    pub delivered_at: Option<i64>,
    pub attempts: i64,
}

pub async fn append(conn: &mut AnyConnection, event: &AuditEvent) -> Result<()> {
    sqlx::query(
        "INSERT INTO event_outbox (audit_seq, at, action, subject) VALUES ($1, $2, $3, $4)",
    )
    .bind(event.seq)
    .bind(event.at)
    .bind(&event.action)
    .bind(&event.subject)
    .execute(conn)
    .await?;
    Ok(())
}

/// Undelivered events, oldest first.
pub async fn pending(conn: &mut AnyConnection, limit: i64) -> Result<Vec<OutboxRow>> {
    Ok(sqlx::query_as(
        "SELECT id, audit_seq, at, action, subject, delivered_at, attempts FROM event_outbox \
         WHERE delivered_at IS NULL ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?)
}
