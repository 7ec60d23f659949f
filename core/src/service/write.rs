//! The one write path every mutation takes:
//!
//! 1. `Registry::begin` opens the write transaction (SQLite: the writer lock and
//!    `BEGIN IMMEDIATE`; PostgreSQL: a transaction whose aggregate rows are then locked
//!    with `FOR UPDATE` by the store's `lock` functions);
//! 2. the service locks its aggregate and reads `before` through `Write::conn`, under
//!    that lock, so nothing can change between the read and the write;
//! 3. `Write::authorize` asks the registry's `Policy` whether this actor may do this
//!    action to this subject, and remembers both;
//! 4. the service applies its rule and writes;
//! 5. `Write::commit` appends the audit event for exactly the authorized action and
//!    subject, with `before` and `after`, and its event-outbox row, then commits, and
//!    makes every cached read stale (`super::cache`).
//!
//! A write that skipped `authorize` cannot commit, and dropping a `Write` rolls back.
use super::Registry;
use crate::audit::{Action, Subject};
use crate::error::{Error, Result};
use crate::policy::Policy;
use crate::store::rows::json;
use crate::store::{Backend, WriteTx};
use crate::user::Actor;
use serde::Serialize;
use sqlx::AnyConnection;

pub(crate) struct Write<'a> {
    tx: WriteTx,
    actor: &'a Actor,
    policy: &'a dyn Policy,
    cache: &'a super::cache::ReadCache,
    change: Option<(Action, Subject)>,
}

impl Registry {
    /// Step 1 of the write path: a write transaction acting for `actor`.
    pub(crate) async fn begin<'a>(&'a self, actor: &'a Actor) -> Result<Write<'a>> {
        Ok(Write {
            tx: self.store.begin_write().await?,
            actor,
            policy: self.policy.as_ref(),
            cache: &self.cache,
            change: None,
        })
    }
}

impl Write<'_> {
    pub fn conn(&mut self) -> &mut AnyConnection {
        self.tx.conn()
    }

    pub fn tx(&mut self) -> &mut WriteTx {
        &mut self.tx
    }

    pub fn backend(&self) -> Backend {
        self.tx.backend()
    }

    /// Step 3: refuses with the policy's reason, or remembers the change for the audit event.
    pub fn authorize(&mut self, action: Action, subject: Subject) -> Result<()> {
        if self.change.is_some() {
            return Err(Error::Internal(
                "a write transaction authorizes exactly one change".into(),
            ));
        }
        self.policy.authorize(self.actor, action, &subject)?;
        self.change = Some((action, subject));
        Ok(())
    }

    /// Step 5: the audit event (and outbox row) for the authorized change, then commit.
    /// Returns the event's sequence number.
    pub async fn commit(mut self, before: impl Serialize, after: impl Serialize) -> Result<i64> {
        let (action, subject) = self.change.take().ok_or_else(|| {
            Error::Internal("a write transaction must be authorized before it commits".into())
        })?;
        let seq = self
            .tx
            .audit(
                self.actor.name(),
                action,
                &subject,
                json(&before),
                json(&after),
            )
            .await?;
        let committed = self.tx.commit().await;
        // Even a failed commit may have reached the database: cached reads start over.
        self.cache.invalidate();
        committed?;
        Ok(seq)
    }
}
