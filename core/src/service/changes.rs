//! The change feed live views follow: every committed change after a point, read from the
//! event outbox (written in each change's own transaction, so a change that rolled back is
//! never announced, and every replica sees every other replica's changes).
use super::Registry;
use crate::error::Result;
use crate::store::outbox;
use serde::{Deserialize, Serialize};

/// The most changes one read returns.
pub const MAX_CHANGES: i64 = 500;

/// One committed change, as a live view is told of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Its place in the audit chain: the next read starts after it.
    pub seq: i64,
    pub at: i64,
    /// The audit action (`model_version.transition_stage`, `review.approve`, …).
    pub action: String,
    /// What changed (`model_version:NAME/3`, `registered_model:NAME@champion`, …).
    pub subject: String,
}

impl Registry {
    /// Where the feed is now: changes after this are new.
    pub async fn change_head(&self) -> Result<i64> {
        let mut conn = self.store.acquire().await?;
        outbox::last_seq(&mut conn).await
    }

    /// The changes committed after `seq`, oldest first (at most [`MAX_CHANGES`]).
    pub async fn changes_after(&self, seq: i64) -> Result<Vec<Change>> {
        let mut conn = self.store.acquire().await?;
        Ok(outbox::after(&mut conn, seq, MAX_CHANGES)
            .await?
            .into_iter()
            .map(|r| Change {
                seq: r.audit_seq,
                at: r.at,
                action: r.action,
                subject: r.subject,
            })
            .collect())
    }
}

impl Registry {
    /// The changes after `seq` a live view of `actor` is told of: models only where the
    /// actor may read them. Also answers the last sequence read, where the next call starts
    /// (past changes no view shows, so they are not read again).
    pub async fn live_changes(
        &self,
        actor: Option<&crate::user::Actor>,
        seq: i64,
    ) -> Result<(Vec<crate::live::LiveChange>, i64)> {
        let changes = self.changes_after(seq).await?;
        let last = changes.last().map_or(seq, |c| c.seq);
        if changes.is_empty() {
            return Ok((Vec::new(), last));
        }
        let scope = self.scope_of(actor).await?;
        let live = changes
            .into_iter()
            .filter_map(|c| {
                let (topic, model) = crate::live::classify(&c.action, &c.subject)?;
                match &model {
                    Some(m) if !scope.allows(m) => None,
                    _ => Some(crate::live::LiveChange {
                        seq: c.seq,
                        topic,
                        model,
                    }),
                }
            })
            .collect();
        Ok((live, last))
    }
}
