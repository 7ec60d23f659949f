//! Runs: creation, status updates, params/tags/metrics (one transaction per batch), dataset
//! inputs, metric history and soft deletion. The SQL is in `store::runs` and
//! `store::metrics`; this module holds the rules and the order of steps.
use super::cache::Key as CacheKey;
use super::metrics::check_params;
use super::Registry;
use crate::audit::{Action, Subject};
use crate::error::{Entity, Error, Result};
use crate::experiment::{LifecycleStage, ViewType};
use crate::names::{ExperimentId, Key, RunId, Tag};
use crate::run::{DatasetInput, Metric, Run, RunInfo, RunStatus, TAG_RUN_NAME, TAG_USER};
use crate::store::kv::{KvOwner, KvTable};
use crate::store::runs::{self as store, Needs, Scope};
use crate::store::WriteTx;
use crate::time::{now_millis, Millis};
use crate::user::Actor;
use serde_json::json;

pub(crate) fn run_not_found(run_id: &RunId) -> Error {
    Error::not_found(
        Entity::Run,
        run_id.as_str(),
        format!("Run with id={run_id} not found"),
    )
}

/// What a run is created with.
#[derive(Debug, Clone, Default)]
pub struct NewRun {
    pub experiment_id: Option<ExperimentId>,
    pub run_name: Option<String>,
    pub start_time: Option<Millis>,
    pub tags: Vec<Tag>,
    /// The user the client names (MLflow clients send `unknown` when they know none);
    /// otherwise the `mlflow.user` tag, otherwise the acting user. The audit log records
    /// the acting user either way.
    pub user_id: Option<String>,
}

/// Caps on one batch (MLflow's limits), so one request cannot hold the writer forever.
pub const MAX_BATCH_METRICS: usize = 1000;
pub const MAX_BATCH_PARAMS: usize = 100;
pub const MAX_BATCH_TAGS: usize = 100;

impl Registry {
    pub async fn create_run(&self, actor: &Actor, new: NewRun) -> Result<Run> {
        let exp_id = new.experiment_id.unwrap_or(ExperimentId::DEFAULT);
        // The experiment is read under its lock, so it cannot be deleted while the run
        // is being created in it.
        let mut w = self.begin(actor).await?;
        let exp = crate::store::experiments::lock(w.tx(), exp_id)
            .await?
            .ok_or_else(|| super::experiments::experiment_not_found(exp_id))?;
        if exp.lifecycle_stage != LifecycleStage::Active {
            return Err(Error::invalid(format!(
                "The experiment {exp_id} must be in the 'active' state. Current state is deleted."
            )));
        }
        let run_id = RunId::parse(uuid::Uuid::new_v4().simple().to_string())?;
        let tag_name = new
            .tags
            .iter()
            .find(|t| t.key.as_str() == TAG_RUN_NAME)
            .map(|t| t.value.clone());
        let run_name = new
            .run_name
            .filter(|n| !n.is_empty())
            .or(tag_name)
            .unwrap_or_else(|| generated_name(run_id.as_str()));
        let user = new
            .user_id
            .clone()
            .filter(|u| !u.is_empty())
            .or_else(|| {
                new.tags
                    .iter()
                    .find(|t| t.key.as_str() == TAG_USER)
                    .map(|t| t.value.clone())
            })
            .unwrap_or_else(|| actor.name().to_string());
        let start = new.start_time.unwrap_or_else(now_millis);
        let artifact_uri =
            crate::location::join_location(&exp.artifact_location, &format!("{run_id}/artifacts"));
        w.authorize(Action::RunCreate, Subject::Run(run_id.clone()))
            .await?;
        store::insert(
            w.conn(),
            &store::NewRunRow {
                run_id: &run_id,
                experiment_id: exp_id,
                name: &run_name,
                user_id: &user,
                start_time: start,
                artifact_uri: &artifact_uri,
            },
        )
        .await?;
        let mut tags = new.tags;
        if !tags.iter().any(|t| t.key.as_str() == TAG_RUN_NAME) {
            tags.push(Tag::parse(TAG_RUN_NAME, run_name.clone())?);
        }
        for t in &tags {
            KvTable::RunTags
                .upsert(w.conn(), KvOwner::Text(run_id.as_str()), t)
                .await?;
        }
        w.commit((), json!({"experiment_id": exp_id, "run_name": run_name}))
            .await?;
        self.get_run(&run_id).await
    }

    pub async fn get_run(&self, run_id: &RunId) -> Result<Run> {
        let weight = |r: &Run| {
            4 + r.params.len()
                + r.metrics.len()
                + r.tags.len()
                + r.inputs.len() * 4
                + r.model_inputs.len()
                + r.outputs.len()
        };
        self.cache
            .read(CacheKey::Run(run_id.clone()), weight, async {
                self.runs_by_id(std::slice::from_ref(run_id))
                    .await?
                    .pop()
                    .ok_or_else(|| run_not_found(run_id))
            })
            .await
    }

    /// The runs of an experiment, newest first (the dashboard's and the demo's view; MLflow
    /// search with filters builds on the same rows).
    pub async fn list_runs(&self, experiment_id: ExperimentId, limit: i64) -> Result<Vec<Run>> {
        let mut conn = self.store.acquire().await?;
        let ids = store::newest_ids(&mut conn, experiment_id, limit).await?;
        drop(conn);
        self.runs_in_order(&ids).await
    }

    /// Runs by id, fully loaded, in no particular order.
    pub(crate) async fn runs_by_id(&self, ids: &[RunId]) -> Result<Vec<Run>> {
        self.load_runs(Scope::Ids(ids), ViewType::All, &Needs::everything())
            .await
    }

    /// Every run of the given experiments in a view, fully loaded.
    pub async fn runs_in(&self, experiments: &[ExperimentId], view: ViewType) -> Result<Vec<Run>> {
        self.load_runs(Scope::Experiments(experiments), view, &Needs::everything())
            .await
    }

    /// The runs in `scope` that `view` includes, with the parts `needs` asks for: a fixed
    /// number of queries whatever the number of runs.
    pub(crate) async fn load_runs(
        &self,
        scope: Scope<'_>,
        view: ViewType,
        needs: &Needs,
    ) -> Result<Vec<Run>> {
        let mut conn = self.store.acquire().await?;
        store::load(&mut conn, self.store.backend(), scope, view, needs).await
    }

    /// Whether a run exists and is active (used where only existence matters).
    pub async fn run_is_active(&self, run: &RunId) -> Result<bool> {
        let mut conn = self.store.acquire().await?;
        Ok(store::info(&mut conn, run)
            .await?
            .ok_or_else(|| run_not_found(run))?
            .lifecycle_stage
            == LifecycleStage::Active)
    }

    pub async fn update_run(
        &self,
        actor: &Actor,
        run_id: &RunId,
        status: Option<RunStatus>,
        end_time: Option<Millis>,
        run_name: Option<String>,
    ) -> Result<RunInfo> {
        // `before` is read under the run's lock: two concurrent updates of different fields
        // both land, and the audit event's `before` is what the update replaced.
        let mut w = self.begin(actor).await?;
        let before = lock_active(w.tx(), run_id).await?;
        w.authorize(Action::RunUpdate, Subject::Run(run_id.clone()))
            .await?;
        let status = status.unwrap_or(before.status);
        let end_time = end_time
            .or(before.end_time)
            .or_else(|| status.is_terminal().then(now_millis));
        let name = run_name
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| before.run_name.clone());
        store::update(w.conn(), run_id, status, end_time, &name).await?;
        if name != before.run_name {
            KvTable::RunTags
                .upsert(
                    w.conn(),
                    KvOwner::Text(run_id.as_str()),
                    &Tag::parse(TAG_RUN_NAME, name.clone())?,
                )
                .await?;
        }
        w.commit(
            json!({"status": before.status.as_str(), "end_time": before.end_time, "run_name": before.run_name}),
            json!({"status": status.as_str(), "end_time": end_time, "run_name": name}),
        )
        .await?;
        Ok(RunInfo {
            status,
            end_time,
            run_name: name,
            ..before
        })
    }

    async fn set_run_stage(&self, actor: &Actor, run_id: &RunId, to: LifecycleStage) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let before = store::lock(w.tx(), run_id)
            .await?
            .ok_or_else(|| run_not_found(run_id))?;
        let action = if to == LifecycleStage::Deleted {
            Action::RunDelete
        } else {
            Action::RunRestore
        };
        w.authorize(action, Subject::Run(run_id.clone())).await?;
        let deleted_time = (to == LifecycleStage::Deleted).then(now_millis);
        store::set_lifecycle(w.conn(), run_id, to, deleted_time).await?;
        w.commit(before.lifecycle_stage, to).await?;
        Ok(())
    }

    pub async fn delete_run(&self, actor: &Actor, run_id: &RunId) -> Result<()> {
        self.set_run_stage(actor, run_id, LifecycleStage::Deleted)
            .await
    }

    pub async fn restore_run(&self, actor: &Actor, run_id: &RunId) -> Result<()> {
        self.set_run_stage(actor, run_id, LifecycleStage::Active)
            .await
    }

    /// Logs metrics, params and tags in one transaction with one audit event. Params are
    /// write-once: logging a different value for an existing key is refused (MLflow's rule).
    pub async fn log_batch(
        &self,
        actor: &Actor,
        run_id: &RunId,
        metrics: &[Metric],
        params: &[Tag],
        tags: &[Tag],
    ) -> Result<()> {
        if metrics.len() > MAX_BATCH_METRICS
            || params.len() > MAX_BATCH_PARAMS
            || tags.len() > MAX_BATCH_TAGS
        {
            return Err(Error::invalid(format!(
                "A batch may hold at most {MAX_BATCH_METRICS} metrics, {MAX_BATCH_PARAMS} params and {MAX_BATCH_TAGS} tags"
            )));
        }
        let mut w = self.begin(actor).await?;
        lock_active(w.tx(), run_id).await?;
        w.authorize(Action::RunLogBatch, Subject::Run(run_id.clone()))
            .await?;
        let backend = w.backend();
        let new_params = check_params(w.conn(), backend, run_id, params).await?;
        crate::store::metrics::insert_params(w.conn(), run_id, &new_params).await?;
        for t in tags {
            KvTable::RunTags
                .upsert(w.conn(), KvOwner::Text(run_id.as_str()), t)
                .await?;
        }
        crate::store::metrics::insert_metrics(w.conn(), backend, run_id, metrics).await?;
        let after = json!({
            "metrics": metrics.len(), "params": params.iter().map(|p| (p.key.as_str(), p.value.as_str())).collect::<std::collections::BTreeMap<_, _>>(),
            "tags": tags.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(),
        });
        w.commit((), after).await?;
        Ok(())
    }

    pub async fn set_run_tag(&self, actor: &Actor, run_id: &RunId, tag: Tag) -> Result<()> {
        self.log_batch(actor, run_id, &[], &[], std::slice::from_ref(&tag))
            .await
    }

    pub async fn delete_run_tag(&self, actor: &Actor, run_id: &RunId, key: &str) -> Result<()> {
        let mut w = self.begin(actor).await?;
        lock_active(w.tx(), run_id).await?;
        w.authorize(Action::RunDeleteTag, Subject::Run(run_id.clone()))
            .await?;
        if !KvTable::RunTags
            .delete(w.conn(), KvOwner::Text(run_id.as_str()), key)
            .await?
        {
            return Err(Error::not_found(
                Entity::Tag,
                key,
                format!("No tag with name: {key} in run with id {run_id}"),
            ));
        }
        w.commit(key, ()).await?;
        Ok(())
    }

    /// Records dataset inputs (a dataset is identified by (experiment, name, digest) and
    /// stored once) and the MLflow 3 logged models the run consumed, in one write.
    pub async fn log_inputs(
        &self,
        actor: &Actor,
        run_id: &RunId,
        inputs: &[DatasetInput],
        models: &[crate::names::LoggedModelId],
    ) -> Result<()> {
        let mut w = self.begin(actor).await?;
        let exp_id = lock_active(w.tx(), run_id).await?.experiment_id;
        w.authorize(Action::RunLogInputs, Subject::Run(run_id.clone()))
            .await?;
        for input in inputs {
            store::add_input(w.conn(), run_id, exp_id, input).await?;
        }
        for m in models {
            store::add_model_input(w.conn(), run_id, m)
                .await
                .map_err(|e| match e {
                    Error::FailedPrecondition(_) => super::logged_models::logged_model_not_found(m),
                    other => other,
                })?;
        }
        let datasets = inputs
            .iter()
            .map(|i| (&i.dataset.name, &i.dataset.digest))
            .collect::<Vec<_>>();
        let after = if models.is_empty() {
            serde_json::json!(datasets)
        } else {
            serde_json::json!({"datasets": datasets, "models": models})
        };
        w.commit((), after).await?;
        Ok(())
    }

    /// Every observation of one metric, in step then timestamp order.
    pub async fn metric_history(&self, run_id: &RunId, key: &Key) -> Result<Vec<Metric>> {
        let cache_key = CacheKey::History(run_id.clone(), key.clone());
        self.cache
            .read(cache_key, |h| 1 + h.len() / 50, async {
                // Only existence matters here: one query, not a full run load.
                let mut conn = self.store.acquire().await?;
                if !store::exists(&mut conn, run_id).await? {
                    return Err(run_not_found(run_id));
                }
                crate::store::metrics::history(&mut conn, run_id, key).await
            })
            .await
    }
}

/// A readable name from an id's hex digits (runs, and logged models created unnamed).
pub(crate) fn generated_name(hex_id: &str) -> String {
    const ADJ: [&str; 8] = [
        "brave", "calm", "eager", "gentle", "keen", "lucid", "merry", "quiet",
    ];
    const NOUN: [&str; 8] = [
        "otter", "falcon", "maple", "comet", "heron", "cedar", "lynx", "delta",
    ];
    let b = hex_id.as_bytes();
    format!(
        "{}-{}-{}",
        ADJ[(b[0] % 8) as usize],
        NOUN[(b[1] % 8) as usize],
        &hex_id[..3]
    )
}

/// Locks the run for this write, refusing a missing or deleted one.
pub(crate) async fn lock_active(tx: &mut WriteTx, run_id: &RunId) -> Result<RunInfo> {
    let info = store::lock(tx, run_id)
        .await?
        .ok_or_else(|| run_not_found(run_id))?;
    if info.lifecycle_stage != LifecycleStage::Active {
        return Err(Error::invalid(format!(
            "The run {run_id} must be in the 'active' state. Current state is deleted."
        )));
    }
    Ok(info)
}
