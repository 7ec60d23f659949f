//! The one write path every mutation takes:
//!
//! 1. `Registry::begin` opens the write transaction (SQLite: the writer lock and
//!    `BEGIN IMMEDIATE`; PostgreSQL: a transaction whose aggregate rows are then locked
//!    with `FOR UPDATE` by the store's `lock` functions);
//! 2. the service locks its aggregate and reads `before` through `Write::conn`, under
//!    that lock, so nothing can change between the read and the write;
//! 3. `Write::authorize` checks, under the same transaction, that the actor's role on
//!    the subject reaches what the action needs (`crate::access`), asks the registry's
//!    `Policy` hook, and remembers both;
//! 4. the service applies its rule and writes;
//! 5. `Write::commit` appends the audit event for exactly the authorized action and
//!    subject, with `before` and `after`, and its event-outbox row, then commits, and
//!    makes every cached read stale (`super::cache`).
//!
//! A write that skipped `authorize` cannot commit, and dropping a `Write` rolls back.
use super::Registry;
use crate::access::{self, BaseRoles, Role, Standing};
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
    base: BaseRoles,
    clock: &'a dyn crate::time::Clock,
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
            base: self.settings.base_roles,
            clock: self.clock.as_ref(),
            change: None,
        })
    }
}

impl Write<'_> {
    /// Who this write acts for.
    pub fn actor(&self) -> &Actor {
        self.actor
    }

    pub fn conn(&mut self) -> &mut AnyConnection {
        self.tx.conn()
    }

    pub fn tx(&mut self) -> &mut WriteTx {
        &mut self.tx
    }

    pub fn backend(&self) -> Backend {
        self.tx.backend()
    }

    /// Step 3: refuses when the actor's role falls short of what `action` needs
    /// (`access::required`) or the policy hook says no; otherwise remembers the change for
    /// the audit event.
    pub async fn authorize(&mut self, action: Action, subject: Subject) -> Result<()> {
        let need = access::required(action, &subject, self.actor.name());
        self.authorize_with(action, subject, need).await
    }

    /// Step 3 for a change whose subject's state asks more than the action alone (a
    /// version leaving a gated stage, a protected alias): `need` is at least what
    /// `access::required` says.
    pub async fn authorize_as(
        &mut self,
        action: Action,
        subject: Subject,
        need: Role,
    ) -> Result<()> {
        let least = access::required(action, &subject, self.actor.name());
        self.authorize_with(action, subject, least.max(Some(need)))
            .await
    }

    /// Step 3 with the role `need`ed (`None`: anyone may).
    async fn authorize_with(
        &mut self,
        action: Action,
        subject: Subject,
        need: Option<Role>,
    ) -> Result<()> {
        if self.change.is_some() {
            return Err(Error::Internal(
                "a write transaction authorizes exactly one change".into(),
            ));
        }
        // Grants only ever add to the base role, so where the base role is enough and no
        // model (which a team may own) is involved, nothing needs reading.
        let base = if self.actor.is_anonymous() {
            self.base.anonymous
        } else {
            self.base.signed_in
        };
        if let Some(need) = need {
            if self.actor.is_system() || subject.model().is_some() || base < Some(need) {
                let standing = self.standing(subject.model()).await?;
                standing.decide(&self.base, self.actor.name(), need, action, &subject)?;
            }
        }
        self.policy.authorize(self.actor, action, &subject)?;
        self.change = Some((action, subject));
        Ok(())
    }

    /// The actor's role on `model` (or on the registry), read in this transaction.
    pub async fn role(&mut self, model: Option<&crate::names::ModelName>) -> Result<Option<Role>> {
        let base = self.base;
        Ok(self.standing(model).await?.role(&base))
    }

    async fn standing(&mut self, model: Option<&crate::names::ModelName>) -> Result<Standing> {
        standing_of(self.tx.conn(), self.actor, model).await
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
                self.clock.now(),
            )
            .await?;
        let committed = self.tx.commit().await;
        // Even a failed commit may have reached the database: cached reads start over.
        self.cache.invalidate();
        committed?;
        Ok(seq)
    }
}

/// An actor's standing on `model` (or the registry): the server itself stands everywhere;
/// anyone else by what the store holds (an anonymous request holds no grants, but still
/// meets a model's owning team).
pub(crate) async fn standing_of(
    conn: &mut AnyConnection,
    actor: &Actor,
    model: Option<&crate::names::ModelName>,
) -> Result<Standing> {
    if actor.is_system() {
        return Ok(Standing {
            system: true,
            ..Standing::default()
        });
    }
    let mut s = crate::store::access::standing(conn, actor.name(), model).await?;
    if actor.is_anonymous() {
        s = Standing {
            anonymous: true,
            model_owned: s.model_owned,
            ..Standing::default()
        };
    }
    Ok(s)
}
