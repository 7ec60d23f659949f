//! Model versions: registration (the version number allocated under the model's lock),
//! reads, stage transitions with archiving, descriptions, tags and deletion. The rules
//! and the order of steps live here; the SQL is `store::versions`'s (and
//! `store::models`'s for the model row every change locks first).
use super::cache::Key as CacheKey;
use super::version_source::resolve_source;
use super::write::Write;
use super::Registry;
use crate::access::Role;
use crate::audit::{Action, Subject};
use crate::error::{Entity, Error, Result};
use crate::holders::HowMoved;
use crate::model_version::{versions_to_archive, ModelVersion, NewModelVersion, Transition};
use crate::names::{ModelName, Stage, Tag, Version};
use crate::store::versions::{self, NewVersionRow, Which};
use crate::store::{artifacts, holders, models, reviews};
use crate::user::Actor;
use serde_json::json;

impl Registry {
    /// Registers a version. A source inside a tracked run's or logged model's artifact root
    /// is owned: that directory is frozen in the same transaction, so the version's
    /// artifact set cannot change afterwards. Any other safe source is kept verbatim as an
    /// external reference (never read or served, nothing frozen), and a run this registry
    /// does not track is kept as an external run reference. A version registered from a
    /// logged model is listed in that model's `mlflow.modelVersions` tag, as MLflow does.
    pub async fn create_model_version(
        &self,
        actor: &Actor,
        mut new: NewModelVersion,
    ) -> Result<ModelVersion> {
        let now = self.now();
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), &new.name).await?;
        // The number is read under the model's lock and moved on below under the same
        // lock, so concurrent registrations get consecutive numbers and never collide.
        let version = m.next_version;
        w.authorize(
            Action::ModelVersionCreate,
            Subject::ModelVersion(new.name.clone(), version),
        )
        .await?;
        let resolved = resolve_source(
            w.conn(),
            &new.source,
            new.run_id.as_deref().filter(|r| !r.is_empty()),
            new.logged_model_id.as_ref(),
        )
        .await?;
        new.logged_model_id = resolved.logged_model_id;
        new.source = resolved.source;
        if let Some(prefix) = &resolved.prefix {
            artifacts::freeze(w.conn(), prefix, self.now()).await?;
        }
        models::take_next_version(w.conn(), m.id, now).await?;
        let id = versions::insert(
            w.conn(),
            &NewVersionRow {
                model_id: m.id,
                version,
                source: &new.source,
                source_kind: resolved.kind,
                run: resolved.run.as_ref(),
                run_link: &new.run_link,
                logged_model_id: new.logged_model_id.as_ref(),
                single_production: m.single_production,
                description: &new.description,
                user_id: actor.name(),
                now,
            },
        )
        .await?;
        for t in &new.tags {
            versions::set_tag(w.conn(), id, t).await?;
        }
        if let Some(lm) = &new.logged_model_id {
            super::logged_models::list_model_version(w.conn(), lm, &new.name, version).await?;
        }
        w.commit(
            (),
            json!({"source": new.source, "source_kind": resolved.kind, "run_id": resolved.run, "logged_model_id": new.logged_model_id, "stage": "None"}),
        )
        .await?;
        self.get_model_version(&new.name, version).await
    }

    /// Where a version's files can be fetched: its source, the artifact location of the
    /// logged model a `models:/<id>` source names, or, for a copy
    /// (`models:/<name>/<version>`), the original's location.
    pub async fn model_version_download_uri(
        &self,
        name: &ModelName,
        version: Version,
    ) -> Result<String> {
        let mut v = self.get_model_version(name, version).await?;
        // Copies of copies are followed, a bounded number of hops (a cycle cannot form:
        // a copy names a version that existed before it).
        for _ in 0..32 {
            let Some(rest) = v.source.strip_prefix("models:/") else {
                break;
            };
            if crate::names::LoggedModelId::parse(rest).is_ok() {
                break;
            }
            let Some((n, ver)) = super::version_source::registry_uri(rest) else {
                break;
            };
            v = self.get_model_version(&n, ver).await?;
        }
        match &v.logged_model_id {
            Some(id) if v.source.starts_with("models:/") => {
                Ok(self.get_logged_model(id).await?.artifact_location)
            }
            _ => Ok(v.source),
        }
    }

    pub async fn get_model_version(
        &self,
        name: &ModelName,
        version: Version,
    ) -> Result<ModelVersion> {
        let key = CacheKey::Version(name.clone(), version);
        let weight = |v: &ModelVersion| 4 + v.tags.len() + v.aliases.len();
        self.cache
            .read(key, weight, async {
                let mut conn = self.store.acquire().await?;
                let id = models::id(&mut conn, name).await?;
                versions::get(&mut conn, name, id, version).await
            })
            .await
    }

    /// A page of a model's versions and whether more follow: newest first, or (with
    /// `recent`) most recently updated first and newer versions first among equals,
    /// MLflow's default order. The page is chosen in SQL.
    pub async fn model_versions_page(
        &self,
        name: &ModelName,
        recent: bool,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<ModelVersion>, bool)> {
        let key = CacheKey::VersionPage {
            name: name.clone(),
            recent,
            offset,
            limit,
        };
        let weight = |(vs, _): &(Vec<ModelVersion>, bool)| 1 + vs.len() * 4;
        self.cache
            .read(key, weight, async {
                let mut conn = self.store.acquire().await?;
                let id = models::id(&mut conn, name).await?;
                // One more than asked for says whether another page follows.
                let limit_plus = limit + 1;
                let which = if recent {
                    Which::RecentPage {
                        offset,
                        limit: limit_plus,
                    }
                } else {
                    Which::NewestPage {
                        offset,
                        limit: limit_plus,
                    }
                };
                // The loader answers oldest first; put the page in its order.
                let mut vs = versions::load(&mut conn, name, id, which).await?;
                if recent {
                    vs.sort_by_key(|v| std::cmp::Reverse((v.last_updated_time, v.version)));
                } else {
                    vs.reverse();
                }
                let more = vs.len() as i64 > limit;
                vs.truncate(limit as usize);
                Ok((vs, more))
            })
            .await
    }

    /// All versions of a model, newest first.
    pub async fn list_model_versions(&self, name: &ModelName) -> Result<Vec<ModelVersion>> {
        let mut conn = self.store.acquire().await?;
        let id = models::id(&mut conn, name).await?;
        let mut vs = versions::load(&mut conn, name, id, Which::All).await?;
        vs.reverse();
        Ok(vs)
    }

    /// Moves a version to `to`, archiving what the rules say in the same transaction; one
    /// audit event records the move and everything archived with it.
    pub async fn transition_stage(
        &self,
        actor: &Actor,
        name: &ModelName,
        version: Version,
        to: Stage,
        archive_existing: bool,
    ) -> Result<Transition> {
        check_archive_flag(to, archive_existing)?;
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        let target = versions::get(w.conn(), name, m.id, version).await?;
        let from = target.stage;
        // Into a gated stage: a review (`super::gate`). Out of one (a demotion): approvers.
        let mut need = Role::Contributor;
        let mut via = Via::direct();
        // The server acting on its own (the demo loader, the CLI) is not reviewed.
        if self.settings.review_gate && !actor.is_system() && from != to {
            let gated = reviews::policy(w.conn(), m.id).await?.gated_stages;
            if gated.contains(&to) {
                let role = w.role(Some(name)).await?;
                drop(w);
                return self
                    .gated_transition(actor, role, &target, to, archive_existing)
                    .await;
            }
            if gated.contains(&from) {
                need = Role::Approver;
                via.how = HowMoved::Demotion;
            }
        }
        w.authorize_as(
            Action::ModelVersionTransition,
            Subject::ModelVersion(name.clone(), version),
            need,
        )
        .await?;
        let archived = self
            .move_stage(&mut w, &m, &target, to, archive_existing, via)
            .await?;
        // A demoted Production holder takes the production alias with it.
        let mut cleared = None;
        if via.how == HowMoved::Demotion && from == Stage::Production {
            cleared = self.clear_production_alias(&mut w, &m, version).await?;
        }
        w.commit(
            json!({"stage": from}),
            json!({"stage": to, "archived": archived, "alias_cleared": cleared}),
        )
        .await?;
        Ok(Transition {
            version: self.get_model_version(name, version).await?,
            archived,
        })
    }

    /// Whether `target` may enter `to` at all (the external-source gate).
    pub(crate) fn check_promotable(&self, target: &ModelVersion, to: Stage) -> Result<()> {
        if to.is_active() && target.is_external() && !self.settings.allow_external_promotion {
            let (name, version) = (&target.name, target.version);
            return Err(Error::FailedPrecondition(format!(
                "Model version {name}/{version} cannot enter {to}: its source '{}' is an external reference, whose files this registry neither holds nor verifies. An operator may allow it with [registry] allow_external_promotion = true (--allow-external-promotion).",
                target.source.chars().take(200).collect::<String>()
            )));
        }
        Ok(())
    }

    /// The stage rules on an open, authorized write whose model `m` is locked and whose
    /// `target` was read under that lock: checks the move, archives what the rules say and
    /// moves the version. Shared by `transition_stage` and the review queue's apply
    /// (`super::reviews`); returns the versions archived.
    pub(crate) async fn move_stage(
        &self,
        w: &mut Write<'_>,
        m: &models::LockedModel,
        target: &ModelVersion,
        to: Stage,
        archive_existing: bool,
        via: Via,
    ) -> Result<Vec<Version>> {
        check_archive_flag(to, archive_existing)?;
        self.check_promotable(target, to)?;
        let version = target.version;
        let others = versions::stages(w.conn(), m.id).await?;
        let archived =
            versions_to_archive(version, to, archive_existing, m.single_production, &others);
        let now = self.now();
        // Archive first: the partial unique index must never see two Production rows.
        let by = w.actor().name().to_string();
        let mv = holders::Move {
            by: &by,
            at: now,
            how: via.how,
            request_id: via.request_id,
        };
        for v in &archived {
            versions::set_stage(w.conn(), m.id, *v, Stage::Archived, now).await?;
            holders::stage_moved(w.conn(), m.id, *v, Stage::Archived, mv).await?;
        }
        versions::set_stage(w.conn(), m.id, version, to, now).await?;
        holders::stage_moved(w.conn(), m.id, version, to, mv).await?;
        models::touch(w.conn(), m.id, now).await?;
        Ok(archived)
    }

    pub async fn update_model_version(
        &self,
        actor: &Actor,
        name: &ModelName,
        version: Version,
        description: String,
    ) -> Result<ModelVersion> {
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        // Read under the lock, so a concurrent update cannot slip between it and ours.
        let before = versions::get(w.conn(), name, m.id, version).await?;
        w.authorize(
            Action::ModelVersionUpdate,
            Subject::ModelVersion(name.clone(), version),
        )
        .await?;
        versions::set_description(w.conn(), m.id, version, &description, self.now()).await?;
        w.commit(&before.description, &description).await?;
        self.get_model_version(name, version).await
    }

    pub async fn delete_model_version(
        &self,
        actor: &Actor,
        name: &ModelName,
        version: Version,
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        // Read under the lock, so the audit records exactly what this delete removed.
        let before = versions::get(w.conn(), name, m.id, version).await?;
        w.authorize(
            Action::ModelVersionDelete,
            Subject::ModelVersion(name.clone(), version),
        )
        .await?;
        versions::delete(w.conn(), m.id, version).await?;
        let by = actor.name().to_string();
        let now = self.now();
        let gone = holders::Move {
            by: &by,
            at: now,
            how: HowMoved::Direct,
            request_id: None,
        };
        holders::version_gone(w.conn(), m.id, version, gone).await?;
        // Deleting a version changes the model, as MLflow records it.
        models::touch(w.conn(), m.id, self.now()).await?;
        w.commit(
            json!({"stage": before.stage, "source": before.source, "aliases": before.aliases}),
            (),
        )
        .await?;
        Ok(())
    }

    pub async fn set_model_version_tag(
        &self,
        actor: &Actor,
        name: &ModelName,
        version: Version,
        tag: Tag,
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        let vid = versions::id(w.conn(), m.id, name, version).await?;
        w.authorize(
            Action::ModelVersionSetTag,
            Subject::ModelVersion(name.clone(), version),
        )
        .await?;
        versions::set_tag(w.conn(), vid, &tag).await?;
        w.commit((), &tag).await?;
        Ok(())
    }

    pub async fn delete_model_version_tag(
        &self,
        actor: &Actor,
        name: &ModelName,
        version: Version,
        key: &str,
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        let vid = versions::id(w.conn(), m.id, name, version).await?;
        w.authorize(
            Action::ModelVersionDeleteTag,
            Subject::ModelVersion(name.clone(), version),
        )
        .await?;
        // Dropping `w` on the error rolls back; nothing was changed anyway.
        if !versions::delete_tag(w.conn(), vid, key).await? {
            return Err(Error::not_found(
                Entity::Tag,
                key,
                format!("No tag with name: {key} in model version {name}/{version}"),
            ));
        }
        w.commit(key, ()).await?;
        Ok(())
    }
}

/// MLflow's rule: only a move into an active stage can archive the versions already there.
pub(crate) fn check_archive_flag(to: Stage, archive_existing: bool) -> Result<()> {
    if archive_existing && !to.is_active() {
        return Err(Error::invalid(format!(
            "Model version transition cannot archive existing model versions because '{to}' is not an Active stage. Valid stages are Staging, Production."
        )));
    }
    Ok(())
}

/// How a stage move came about, for the holder history (`crate::holders`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Via {
    pub how: HowMoved,
    pub request_id: Option<i64>,
}

impl Via {
    pub fn direct() -> Via {
        Via {
            how: HowMoved::Direct,
            request_id: None,
        }
    }
    pub fn review(id: crate::review::RequestId) -> Via {
        Via {
            how: HowMoved::Review,
            request_id: Some(id.get()),
        }
    }
    pub fn rollback() -> Via {
        Via {
            how: HowMoved::Rollback,
            request_id: None,
        }
    }
}
