//! Who holds what, over time: the holder history of a model's stages and aliases, the
//! aliases it protects (its production alias, and any other an admin names), the rules
//! for moving a protected alias (an approved request, a rollback or an approver), the
//! demotion that clears the production alias, and the one-call rollback of Production to a
//! version that held it before. The SQL is `store::holders`'s.
use super::model_versions::Via;
use super::write::Write;
use super::Registry;
use crate::access::Role;
use crate::audit::{Action, Subject};
use crate::error::{Error, Result};
use crate::holders::{Holding, HowMoved};
use crate::model_version::Transition;
use crate::names::{AliasName, ModelName, Stage, Version};
use crate::store::models::{self, aliases, LockedModel};
use crate::store::{holders, reviews, versions};
use crate::time::Millis;
use crate::user::Actor;
use serde_json::json;

impl Registry {
    /// A model's holdings, oldest first: every stage and alias tenure, or (with `at`) those
    /// that covered that instant — what served then.
    pub async fn holder_history(
        &self,
        name: &ModelName,
        at: Option<Millis>,
    ) -> Result<Vec<Holding>> {
        let mut conn = self.store.acquire().await?;
        let id = models::id(&mut conn, name).await?;
        holders::history(&mut conn, id, at).await
    }

    /// The aliases of a model that move only by review, rollback or an approver: its
    /// production alias and those an admin protected. None while the review gate is off.
    pub async fn protected_aliases(&self, name: &ModelName) -> Result<Vec<AliasName>> {
        let mut conn = self.store.acquire().await?;
        let id = models::id(&mut conn, name).await?;
        protected_of(&mut conn, id, self.settings.review_gate).await
    }

    /// Protects `alias` of a model (or stops protecting it): an admin's change, audited as
    /// a policy change.
    pub async fn protect_alias(
        &self,
        actor: &Actor,
        name: &ModelName,
        alias: &AliasName,
        on: bool,
    ) -> Result<Vec<AliasName>> {
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        let before = holders::protected(w.conn(), m.id).await?;
        w.authorize(
            Action::RegisteredModelSetPolicy,
            Subject::RegisteredModel(name.clone()),
        )
        .await?;
        if holders::set_protected(w.conn(), m.id, alias, on).await? {
            let after = holders::protected(w.conn(), m.id).await?;
            w.commit(
                json!({"protected_aliases": before}),
                json!({"protected_aliases": after}),
            )
            .await?;
        }
        self.protected_aliases(name).await
    }

    /// The role moving `alias` of locked model `m` needs: approver for a protected alias
    /// (refused here, saying who may, when the actor holds less), contributor otherwise.
    pub(super) async fn alias_need(
        &self,
        w: &mut Write<'_>,
        m: &LockedModel,
        name: &ModelName,
        alias: &AliasName,
    ) -> Result<Role> {
        if w.actor().is_system() || !self.settings.review_gate {
            return Ok(Role::Contributor);
        }
        if !protected_of(w.conn(), m.id, true).await?.contains(alias) {
            return Ok(Role::Contributor);
        }
        let role = w.role(Some(name)).await?;
        if role < Some(Role::Approver) || w.actor().is_anonymous() {
            return Err(Error::PermissionDenied(format!(
                "Alias '{alias}' of {name} is protected: it moves only when an approved transition request is applied, by a rollback, or by an approver of {name}; {} has {}.",
                w.actor().name(),
                role.map_or("no role".to_string(), |r| format!("the {r} role"))
            )));
        }
        Ok(Role::Approver)
    }

    /// On a demotion of `version` out of Production: clears the model's production alias if
    /// it points at that version; answers the alias cleared.
    pub(super) async fn clear_production_alias(
        &self,
        w: &mut Write<'_>,
        m: &LockedModel,
        version: Version,
    ) -> Result<Option<AliasName>> {
        let Some(alias) = reviews::policy(w.conn(), m.id).await?.production_alias else {
            return Ok(None);
        };
        if aliases::target(w.conn(), m.id, &alias).await? != Some(version) {
            return Ok(None);
        }
        aliases::delete(w.conn(), m.id, &alias).await?;
        let by = w.actor().name().to_string();
        let mv = holders::Move {
            by: &by,
            at: self.now(),
            how: HowMoved::Demotion,
            request_id: None,
        };
        holders::alias_moved(w.conn(), m.id, &alias, None, mv).await?;
        Ok(Some(alias))
    }

    /// Puts `version`, which held Production before, back into Production at once (no new
    /// review): an approver's call, recorded as a rollback. The current holders are
    /// archived and the production alias moves to `version`.
    pub async fn rollback(
        &self,
        actor: &Actor,
        name: &ModelName,
        version: Version,
    ) -> Result<Transition> {
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        let target = versions::get(w.conn(), name, m.id, version).await?;
        if target.stage == Stage::Production {
            return Err(Error::FailedPrecondition(format!(
                "Model version {name}/{version} is already in Production."
            )));
        }
        if !holders::ever_held(w.conn(), m.id, version, Stage::Production).await? {
            return Err(Error::FailedPrecondition(format!(
                "Model version {name}/{version} never held Production, so there is nothing to roll back to: request a promotion instead."
            )));
        }
        w.authorize(
            Action::ModelVersionRollback,
            Subject::ModelVersion(name.clone(), version),
        )
        .await?;
        let archived = self
            .move_stage(
                &mut w,
                &m,
                &target,
                Stage::Production,
                true,
                Via::rollback(),
            )
            .await?;
        let mut alias = None;
        if let Some(a) = reviews::policy(w.conn(), m.id).await?.production_alias {
            aliases::set(w.conn(), m.id, &a, version).await?;
            let by = actor.name().to_string();
            let mv = holders::Move {
                by: &by,
                at: self.now(),
                how: HowMoved::Rollback,
                request_id: None,
            };
            holders::alias_moved(w.conn(), m.id, &a, Some(version), mv).await?;
            alias = Some(a);
        }
        w.commit(
            json!({"stage": target.stage}),
            json!({"stage": Stage::Production, "archived": archived, "alias": alias}),
        )
        .await?;
        Ok(Transition {
            version: self.get_model_version(name, version).await?,
            archived,
        })
    }
}

/// The production alias (by policy) and the aliases protected on top, when the gate is on.
async fn protected_of(
    conn: &mut sqlx::AnyConnection,
    model_id: i64,
    gate: bool,
) -> Result<Vec<AliasName>> {
    if !gate {
        return Ok(vec![]);
    }
    let mut out = holders::protected(&mut *conn, model_id).await?;
    if let Some(p) = reviews::policy(conn, model_id).await?.production_alias {
        if !out.contains(&p) {
            out.insert(0, p);
        }
    }
    Ok(out)
}
