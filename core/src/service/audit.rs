//! Reading and verifying the audit log. There is deliberately no API that updates or
//! deletes an event; the database refuses it too. The SQL is in `store::audit`.
use super::Registry;
use crate::audit::{chain_hash, AuditEvent, AuditRecord, VerifyOutcome, GENESIS_HASH};
use crate::error::Result;
use crate::store::audit as store;
use futures::TryStreamExt;

impl Registry {
    /// Events newest first, before `before_seq` when given, optionally for subjects that
    /// start with `subject_prefix` (e.g. `registered_model:fraud-detector`).
    pub async fn audit_events(
        &self,
        subject_prefix: Option<&str>,
        before_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEvent>> {
        let mut conn = self.store.acquire().await?;
        store::newest(
            &mut conn,
            subject_prefix.unwrap_or(""),
            before_seq.unwrap_or(i64::MAX),
            limit.clamp(1, 1000),
        )
        .await
    }

    /// The number of events in the log.
    pub async fn audit_count(&self) -> Result<i64> {
        let mut conn = self.store.acquire().await?;
        store::count(&mut conn).await
    }

    /// Walks the whole chain in order, streaming, and names the first event whose sequence,
    /// link or hash does not hold; also checks the head matches the last event.
    pub async fn verify_audit(&self) -> Result<VerifyOutcome> {
        let mut conn = self.store.acquire().await?;
        let mut prev_hash = GENESIS_HASH.to_string();
        let mut expected_seq = 1i64;
        {
            let mut stream = store::stream_in_order(&mut conn);
            while let Some(e) = stream.try_next().await? {
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
                    actor: e.actor,
                    action: e.action,
                    subject: e.subject,
                    before: e.before,
                    after: e.after,
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
        let store::Head {
            seq: head_seq,
            hash: head_hash,
        } = store::head(&mut conn).await?;
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

    /// Events not yet handed on by the (coming) webhook deliverer, oldest first.
    pub async fn pending_events(&self, limit: i64) -> Result<Vec<crate::store::outbox::OutboxRow>> {
        let mut conn = self.store.acquire().await?;
        crate::store::outbox::pending(&mut conn, limit.clamp(1, 1000)).await
    }
}
