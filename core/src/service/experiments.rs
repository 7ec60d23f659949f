//! Experiments: create, read, list, rename, delete/restore, tags. The SQL is in
//! `store::experiments`; this module holds the rules (the server-owned artifact root or an
//! external location under a root the operator allows, see `crate::location`; the
//! undeletable default experiment) and the order of steps.
use super::Registry;
use crate::audit::{Action, Subject};
use crate::error::{Entity, Error, Result};
use crate::experiment::{Experiment, LifecycleStage, ViewType};
use crate::location::{ExternalLocation, OWNED_SCHEME};
use crate::names::{ExperimentId, ExperimentName, Tag};
use crate::store::experiments as store;
use crate::store::kv::{KvOwner, KvTable};
use crate::store::{or_exists, WriteTx};
use crate::user::Actor;
use serde_json::json;

pub(crate) fn experiment_not_found(id: ExperimentId) -> Error {
    Error::not_found(
        Entity::Experiment,
        id.to_string(),
        format!("No Experiment with id={id} exists"),
    )
}

fn name_taken(e: Error, name: &ExperimentName) -> Error {
    or_exists(e, Entity::Experiment, name.as_str(), || {
        format!("Experiment(name={name}) already exists.")
    })
}

/// Locks the experiment for this write, refusing a missing one.
async fn lock(tx: &mut WriteTx, id: ExperimentId) -> Result<Experiment> {
    store::lock(tx, id)
        .await?
        .ok_or_else(|| experiment_not_found(id))
}

impl Registry {
    pub async fn create_experiment(
        &self,
        actor: &Actor,
        name: ExperimentName,
        tags: Vec<Tag>,
    ) -> Result<ExperimentId> {
        self.create_experiment_at(actor, name, tags, None).await
    }

    /// Creates an experiment whose artifact root is server-owned or, with `location`, that
    /// external location, if it lies under a root the operator allows (recorded verbatim;
    /// the server never reads or serves it).
    pub async fn create_experiment_at(
        &self,
        actor: &Actor,
        name: ExperimentName,
        tags: Vec<Tag>,
        location: Option<&ExternalLocation>,
    ) -> Result<ExperimentId> {
        if let Some(l) = location {
            self.settings.external_artifact_roots.check(l)?;
        }
        let now = self.now();
        let mut w = self.begin(actor).await?;
        // The id is the database's, so the change is authorized once the row exists (a
        // refusal rolls it back).
        let id = store::insert(w.conn(), &name, now)
            .await
            .map_err(|e| name_taken(e, &name))?;
        w.authorize(Action::ExperimentCreate, Subject::Experiment(id))
            .await?;
        // The artifact root is server-owned and derived from the id, unless the operator
        // lets clients name an external one (checked above).
        let root = match location {
            Some(l) => l.as_str().to_string(),
            None => format!("{OWNED_SCHEME}/{id}"),
        };
        store::set_artifact_location(w.conn(), id, &root).await?;
        for t in &tags {
            KvTable::ExperimentTags
                .upsert(w.conn(), KvOwner::Int(id.get()), t)
                .await?;
        }
        let mut after = json!({"name": name, "tags": tags});
        if let Some(l) = location {
            after["artifact_location"] = json!(l);
        }
        w.commit((), after).await?;
        Ok(id)
    }

    pub async fn get_experiment(&self, id: ExperimentId) -> Result<Experiment> {
        let mut conn = self.store.acquire().await?;
        store::get(&mut conn, id)
            .await?
            .ok_or_else(|| experiment_not_found(id))
    }

    pub async fn get_experiment_by_name(&self, name: &str) -> Result<Experiment> {
        let mut conn = self.store.acquire().await?;
        store::by_name(&mut conn, name).await?.ok_or_else(|| {
            Error::not_found(
                Entity::Experiment,
                name,
                format!("Experiment '{name}' does not exist."),
            )
        })
    }

    /// Experiments in a view, newest first, with offset paging.
    pub async fn list_experiments(
        &self,
        view: ViewType,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Experiment>, bool)> {
        let mut conn = self.store.acquire().await?;
        let all = store::all(&mut conn, view).await?;
        let end = offset.saturating_add(limit);
        let matched = all.len() as i64;
        let page = all
            .into_iter()
            .zip(0i64..)
            .filter(|(_, i)| *i >= offset && *i < end)
            .map(|(e, _)| e)
            .collect();
        Ok((page, matched > end))
    }

    async fn set_experiment_stage(
        &self,
        actor: &Actor,
        id: ExperimentId,
        to: LifecycleStage,
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let before = lock(w.tx(), id).await?;
        let action = if to == LifecycleStage::Deleted {
            Action::ExperimentDelete
        } else {
            Action::ExperimentRestore
        };
        w.authorize(action, Subject::Experiment(id)).await?;
        if before.lifecycle_stage == to {
            return Err(Error::FailedPrecondition(format!(
                "Experiment {id} is already {}",
                to.as_str()
            )));
        }
        if id == ExperimentId::DEFAULT && to == LifecycleStage::Deleted {
            return Err(Error::invalid("Cannot delete the default experiment '0'."));
        }
        store::set_lifecycle(w.conn(), id, to, self.now()).await?;
        w.commit(before.lifecycle_stage, to).await?;
        Ok(())
    }

    pub async fn delete_experiment(&self, actor: &Actor, id: ExperimentId) -> Result<()> {
        self.set_experiment_stage(actor, id, LifecycleStage::Deleted)
            .await
    }

    pub async fn restore_experiment(&self, actor: &Actor, id: ExperimentId) -> Result<()> {
        self.set_experiment_stage(actor, id, LifecycleStage::Active)
            .await
    }

    pub async fn rename_experiment(
        &self,
        actor: &Actor,
        id: ExperimentId,
        name: ExperimentName,
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let before = lock(w.tx(), id).await?;
        w.authorize(Action::ExperimentRename, Subject::Experiment(id))
            .await?;
        store::rename(w.conn(), id, &name, self.now())
            .await
            .map_err(|e| name_taken(e, &name))?;
        w.commit(&before.name, &name).await?;
        Ok(())
    }

    pub async fn set_experiment_tag(
        &self,
        actor: &Actor,
        id: ExperimentId,
        tag: Tag,
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        lock(w.tx(), id).await?;
        w.authorize(Action::ExperimentSetTag, Subject::Experiment(id))
            .await?;
        KvTable::ExperimentTags
            .upsert(w.conn(), KvOwner::Int(id.get()), &tag)
            .await?;
        w.commit((), &tag).await?;
        Ok(())
    }

    pub async fn delete_experiment_tag(
        &self,
        actor: &Actor,
        id: ExperimentId,
        key: &str,
    ) -> Result<()> {
        let tag_not_found = || {
            Error::not_found(
                Entity::Tag,
                key,
                format!("No tag with name: {key} in experiment {id}"),
            )
        };
        let mut w = self.begin(actor).await?;
        // A missing experiment has no tags: the caller hears about the tag, as before.
        store::lock(w.tx(), id).await?.ok_or_else(tag_not_found)?;
        w.authorize(Action::ExperimentDeleteTag, Subject::Experiment(id))
            .await?;
        if !KvTable::ExperimentTags
            .delete(w.conn(), KvOwner::Int(id.get()), key)
            .await?
        {
            return Err(tag_not_found());
        }
        w.commit(key, ()).await?;
        Ok(())
    }
}
