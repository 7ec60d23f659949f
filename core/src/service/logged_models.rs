//! MLflow 3 logged models: created pending by a run (tracked here, or named by an external
//! run reference), then finalized; their params and tags, soft deletion, the
//! `mlflow.modelVersions` tag listing the versions registered from them, the run outputs
//! that link runs to them, and MLflow 2's log-model history tag.
//! The SQL is in `store::logged_models`; this module holds the rules and the order of steps.
use super::runs::run_not_found;
use super::Registry;
use crate::audit::{Action, Subject};
use crate::error::{Entity, Error, Result};
use crate::logged_model::{LoggedModel, LoggedModelStatus};
use crate::names::{ExperimentId, LoggedModelId, ModelName, RunId, Tag, Version};
use crate::store::kv::{KvOwner, KvTable};
use crate::store::logged_models as store;
use crate::store::rows::json as json_text;
use crate::store::WriteTx;
use crate::user::Actor;
use serde_json::json;

/// The run tag MLflow 2 clients append their logged-model metadata to.
const LOG_MODEL_HISTORY: &str = "mlflow.log-model.history";

/// The logged-model tag listing the versions registered from the model.
pub const MODEL_VERSIONS_TAG: &str = "mlflow.modelVersions";

/// Appends `name`/`version` to the model's `mlflow.modelVersions` tag, inside the
/// registration's transaction (the caller has locked the logged model). The tag keeps the
/// text MLflow writes (`[{"name": "m", "version": 1}, ...]`); entries already there, which
/// clients write too, are kept as they are.
pub(crate) async fn list_model_version(
    conn: &mut sqlx::AnyConnection,
    id: &LoggedModelId,
    name: &ModelName,
    version: Version,
) -> Result<()> {
    let tags = KvTable::LoggedModelTags
        .load(&mut *conn, KvOwner::Text(id.as_str()))
        .await?;
    let entry = format!(
        "{{\"name\": {}, \"version\": {version}}}",
        json_text(name.as_str())
    );
    let current = tags
        .iter()
        .find(|t| t.key.as_str() == MODEL_VERSIONS_TAG)
        .map(|t| t.value.trim())
        .filter(|v| v.len() >= 2 && v.starts_with('[') && v.ends_with(']'));
    let value = match current {
        Some(v) if v[1..v.len() - 1].trim().is_empty() => format!("[{entry}]"),
        Some(v) => format!("{}, {entry}]", &v[..v.len() - 1]),
        None => format!("[{entry}]"),
    };
    KvTable::LoggedModelTags
        .upsert(
            conn,
            KvOwner::Text(id.as_str()),
            &Tag::parse(MODEL_VERSIONS_TAG, value)?,
        )
        .await
}

pub(crate) fn logged_model_not_found(id: &LoggedModelId) -> Error {
    Error::not_found(
        Entity::LoggedModel,
        id.as_str(),
        format!("Logged model with ID '{id}' not found."),
    )
}

/// Locks the (active) logged model for this write, refusing a missing one.
async fn lock(tx: &mut WriteTx, id: &LoggedModelId) -> Result<LoggedModel> {
    store::lock(tx, id)
        .await?
        .ok_or_else(|| logged_model_not_found(id))
}

/// What a logged model is created with.
#[derive(Debug, Clone)]
pub struct NewLoggedModel {
    pub experiment_id: ExperimentId,
    pub name: String,
    /// As the client sent it: a run tracked here, or kept as an external run reference.
    pub source_run_id: Option<String>,
    pub model_type: Option<String>,
    pub params: Vec<Tag>,
    pub tags: Vec<Tag>,
}

impl Registry {
    pub async fn create_logged_model(
        &self,
        actor: &Actor,
        new: NewLoggedModel,
    ) -> Result<LoggedModel> {
        let id = LoggedModelId::parse(format!("m-{}", uuid::Uuid::new_v4().simple()))?;
        // MLflow names an unnamed model itself, differently for each model.
        let name = if new.name.is_empty() {
            super::runs::generated_name(&id.as_str()[2..])
        } else {
            new.name.clone()
        };
        let now = self.now();
        let mut w = self.begin(actor).await?;
        // The model's artifact root lives under its experiment's, read in this transaction.
        let exp = crate::store::experiments::get(w.conn(), new.experiment_id)
            .await?
            .ok_or_else(|| super::experiments::experiment_not_found(new.experiment_id))?;
        w.authorize(Action::LoggedModelCreate, Subject::LoggedModel(id.clone()))
            .await?;
        let source_run = match new.source_run_id.as_deref().filter(|r| !r.is_empty()) {
            Some(raw) => Some(super::version_source::run_ref(w.conn(), raw).await?),
            None => None,
        };
        let location = crate::location::join_location(
            &exp.artifact_location,
            &format!("models/{id}/artifacts"),
        );
        store::insert(
            w.conn(),
            &store::NewModelRow {
                model_id: &id,
                experiment_id: new.experiment_id,
                name: &name,
                source_run_id: source_run.as_ref(),
                artifact_location: &location,
                model_type: new.model_type.as_deref(),
                now,
            },
        )
        .await?;
        for p in &new.params {
            KvTable::LoggedModelParams
                .upsert(w.conn(), KvOwner::Text(id.as_str()), p)
                .await?;
        }
        for t in &new.tags {
            KvTable::LoggedModelTags
                .upsert(w.conn(), KvOwner::Text(id.as_str()), t)
                .await?;
        }
        w.commit(
            (),
            json!({"name": name, "experiment_id": new.experiment_id, "source_run_id": source_run}),
        )
        .await?;
        self.get_logged_model(&id).await
    }

    pub async fn get_logged_model(&self, id: &LoggedModelId) -> Result<LoggedModel> {
        let mut conn = self.store.acquire().await?;
        store::get(&mut conn, id)
            .await?
            .ok_or_else(|| logged_model_not_found(id))
    }

    /// Ids of the logged models in some experiments (all when none are named), newest first.
    pub async fn logged_model_ids(
        &self,
        experiments: &[ExperimentId],
    ) -> Result<Vec<LoggedModelId>> {
        let mut conn = self.store.acquire().await?;
        store::ids_in(&mut conn, experiments).await
    }

    /// The logged models of some experiments (all when none are named), newest first:
    /// three queries whatever the number of models.
    pub async fn logged_models_in(&self, experiments: &[ExperimentId]) -> Result<Vec<LoggedModel>> {
        let mut conn = self.store.acquire().await?;
        store::in_experiments(&mut conn, experiments).await
    }

    pub async fn finalize_logged_model(
        &self,
        actor: &Actor,
        id: &LoggedModelId,
        status: LoggedModelStatus,
    ) -> Result<LoggedModel> {
        let mut w = self.begin(actor).await?;
        let before = lock(w.tx(), id).await?;
        w.authorize(
            Action::LoggedModelFinalize,
            Subject::LoggedModel(id.clone()),
        )
        .await?;
        let now = self.now();
        store::set_status(w.conn(), id, status, now).await?;
        w.commit(before.status, status).await?;
        // What this write committed: the locked row with the new status.
        Ok(LoggedModel {
            status,
            last_updated_time: now,
            ..before
        })
    }

    pub async fn set_logged_model_tags(
        &self,
        actor: &Actor,
        id: &LoggedModelId,
        tags: &[Tag],
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        lock(w.tx(), id).await?;
        w.authorize(Action::LoggedModelSetTags, Subject::LoggedModel(id.clone()))
            .await?;
        for t in tags {
            KvTable::LoggedModelTags
                .upsert(w.conn(), KvOwner::Text(id.as_str()), t)
                .await?;
        }
        w.commit((), tags).await?;
        Ok(())
    }

    /// Records params on a logged model (MLflow clients send the ones past the first
    /// hundred this way, in batches).
    pub async fn log_logged_model_params(
        &self,
        actor: &Actor,
        id: &LoggedModelId,
        params: &[Tag],
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let before = lock(w.tx(), id).await?;
        w.authorize(
            Action::LoggedModelLogParams,
            Subject::LoggedModel(id.clone()),
        )
        .await?;
        for p in params {
            KvTable::LoggedModelParams
                .upsert(w.conn(), KvOwner::Text(id.as_str()), p)
                .await?;
        }
        w.commit(&before.params, params).await?;
        Ok(())
    }

    /// Metric points recorded against a logged model, with the run that logged each.
    pub async fn logged_model_metrics(
        &self,
        id: &LoggedModelId,
    ) -> Result<Vec<(crate::run::Metric, String)>> {
        let mut conn = self.store.acquire().await?;
        Ok(store::metrics(&mut conn, id)
            .await?
            .into_iter()
            .map(|(m, run)| (m, String::from(run)))
            .collect())
    }

    pub async fn delete_logged_model(&self, actor: &Actor, id: &LoggedModelId) -> Result<()> {
        let mut w = self.begin(actor).await?;
        lock(w.tx(), id).await?;
        w.authorize(Action::LoggedModelDelete, Subject::LoggedModel(id.clone()))
            .await?;
        store::mark_deleted(w.conn(), id, self.now()).await?;
        w.commit((), ()).await?;
        Ok(())
    }

    pub async fn delete_logged_model_tag(
        &self,
        actor: &Actor,
        id: &LoggedModelId,
        key: &str,
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        lock(w.tx(), id).await?;
        w.authorize(
            Action::LoggedModelDeleteTag,
            Subject::LoggedModel(id.clone()),
        )
        .await?;
        if !KvTable::LoggedModelTags
            .delete(w.conn(), KvOwner::Text(id.as_str()), key)
            .await?
        {
            return Err(Error::not_found(
                Entity::Tag,
                key,
                format!("No tag with key '{key}' on logged model {id}"),
            ));
        }
        w.commit(key, ()).await?;
        Ok(())
    }

    /// Links a run to the logged models it produced (MLflow 3's `runs/outputs`).
    pub async fn log_run_outputs(
        &self,
        actor: &Actor,
        run: &RunId,
        models: &[(LoggedModelId, i64)],
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        // Any run, deleted or not, may record its outputs.
        crate::store::runs::lock(w.tx(), run)
            .await?
            .ok_or_else(|| run_not_found(run))?;
        w.authorize(Action::RunLogOutputs, Subject::Run(run.clone()))
            .await?;
        for (id, step) in models {
            store::add_run_output(w.conn(), run, id, *step)
                .await
                .map_err(|e| match e {
                    // The only reference that can be missing is the model (the run is locked).
                    Error::FailedPrecondition(_) => logged_model_not_found(id),
                    other => other,
                })?;
        }
        let after = models
            .iter()
            .map(|(m, s)| (m.as_str(), s))
            .collect::<Vec<_>>();
        w.commit((), after).await?;
        Ok(())
    }

    /// Appends MLflow 2's logged-model metadata to the run's `mlflow.log-model.history` tag.
    /// The history is read and written under the run's lock, so concurrent appends all land.
    pub async fn append_log_model_history(
        &self,
        actor: &Actor,
        run: &RunId,
        model: serde_json::Value,
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        // The same rule (and words) as every other run tag write.
        super::runs::lock_active(w.tx(), run).await?;
        // Recorded as the tag write it is, exactly as `set_run_tag` records one.
        w.authorize(Action::RunLogBatch, Subject::Run(run.clone()))
            .await?;
        let tags = KvTable::RunTags
            .load(w.conn(), KvOwner::Text(run.as_str()))
            .await?;
        let mut history: Vec<serde_json::Value> = tags
            .iter()
            .find(|t| t.key.as_str() == LOG_MODEL_HISTORY)
            .and_then(|t| serde_json::from_str(&t.value).ok())
            .unwrap_or_default();
        history.push(model);
        let tag = Tag::parse(LOG_MODEL_HISTORY, json_text(&history))?;
        KvTable::RunTags
            .upsert(w.conn(), KvOwner::Text(run.as_str()), &tag)
            .await?;
        w.commit(
            (),
            json!({"metrics": 0, "params": {}, "tags": [LOG_MODEL_HISTORY]}),
        )
        .await?;
        Ok(())
    }
}
