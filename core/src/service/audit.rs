//! Reading and verifying the audit log. There is deliberately no API that updates or
//! deletes an event; the database refuses it too.
use super::Registry;
use crate::audit::{chain_hash, AuditEvent, AuditRecord, VerifyOutcome, GENESIS_HASH};
use crate::error::Result;
use crate::store::map_sqlx;
use crate::store::rows;
use futures::TryStreamExt;
use sqlx::any::AnyRow;

fn event_from_row(r: &AnyRow) -> Result<AuditEvent> {
    Ok(AuditEvent {
        seq: rows::i(r, "seq")?,
        at: rows::i(r, "at")?,
        actor: rows::s(r, "actor")?,
        action: rows::s(r, "action")?,
        subject: rows::s(r, "subject")?,
        before: rows::s(r, "before")?,
        after: rows::s(r, "after")?,
        prev_hash: rows::s(r, "prev_hash")?,
        hash: rows::s(r, "hash")?,
    })
}

impl Registry {
    /// Events newest first, before `before_seq` when given, optionally for subjects that
    /// start with `subject_prefix` (e.g. `registered_model:fraud-detector`).
    pub async fn audit_events(
        &self,
        subject_prefix: Option<&str>,
        before_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT * FROM audit_events WHERE ($1 = '' OR subject = $1 OR subject LIKE $2) AND seq < $3 ORDER BY seq DESC LIMIT $4",
        )
        .bind(subject_prefix.unwrap_or("").to_string())
        .bind(format!("{}%", subject_prefix.unwrap_or("").replace('%', "\\%").replace('_', "\\_")))
        .bind(before_seq.unwrap_or(i64::MAX))
        .bind(limit.clamp(1, 1000))
        .fetch_all(self.store.pool())
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(event_from_row).collect()
    }

    /// The number of events in the log.
    pub async fn audit_count(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_events")
            .fetch_one(self.store.pool())
            .await
            .map_err(map_sqlx)?;
        rows::i(&row, "n")
    }

    /// Walks the whole chain in order, streaming, and names the first event whose sequence,
    /// link or hash does not hold; also checks the head matches the last event.
    pub async fn verify_audit(&self) -> Result<VerifyOutcome> {
        let mut conn = self.store.pool().acquire().await.map_err(map_sqlx)?;
        let mut prev_hash = GENESIS_HASH.to_string();
        let mut expected_seq = 1i64;
        {
            let mut stream =
                sqlx::query("SELECT * FROM audit_events ORDER BY seq").fetch(&mut *conn);
            while let Some(row) = stream.try_next().await.map_err(map_sqlx)? {
                let e = event_from_row(&row)?;
                if e.seq != expected_seq {
                    return Ok(VerifyOutcome::Broken {
                        seq: expected_seq,
                        reason: format!(
                            "event {expected_seq} is missing (next stored event is {})",
                            e.seq
                        ),
                    });
                }
                if e.prev_hash != prev_hash {
                    return Ok(VerifyOutcome::Broken {
                        seq: e.seq,
                        reason: "its link to the previous event does not match".into(),
                    });
                }
                let record = AuditRecord {
                    actor: e.actor.clone(),
                    action: e.action.clone(),
                    subject: e.subject.clone(),
                    before: e.before.clone(),
                    after: e.after.clone(),
                };
                let h = chain_hash(&prev_hash, e.seq, e.at, &record);
                if h != e.hash {
                    return Ok(VerifyOutcome::Broken {
                        seq: e.seq,
                        reason: "its contents do not match its hash (the event was changed)".into(),
                    });
                }
                prev_hash = h;
                expected_seq += 1;
            }
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await
            .map_err(map_sqlx)?;
        let (head_seq, head_hash) = (rows::i(&head, "seq")?, rows::s(&head, "hash")?);
        if head_seq != expected_seq - 1 || head_hash != prev_hash {
            return Ok(VerifyOutcome::Broken {
                seq: expected_seq,
                reason: format!("the chain head records {head_seq} events but {} are stored (events were removed from the end)", expected_seq - 1),
            });
        }
        Ok(VerifyOutcome::Ok {
            events: expected_seq - 1,
            head: prev_hash,
        })
    }
}
