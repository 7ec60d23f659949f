//! Runs: creation, status updates, params/tags/metrics (one transaction per batch), dataset
//! inputs, metric history and soft deletion.
use super::metrics::{insert_metrics, insert_params, metric_from_row};
use super::Registry;
use crate::error::{Error, Result};
use crate::experiment::LifecycleStage;
use crate::names::{ExperimentId, Key, LoggedModelId, RunId, Tag};
use crate::run::{Dataset, DatasetInput, Metric, Run, RunInfo, RunStatus, TAG_RUN_NAME, TAG_USER};
use crate::store::map_sqlx;
use crate::store::rows::{self, json, KvOwner, KvTable};
use crate::time::{now_millis, Millis};
use crate::user::Actor;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

fn subject(id: &RunId) -> String {
    format!("run:{id}")
}

/// What a run is created with.
#[derive(Debug, Clone, Default)]
pub struct NewRun {
    pub experiment_id: Option<ExperimentId>,
    pub run_name: Option<String>,
    pub start_time: Option<Millis>,
    pub tags: Vec<Tag>,
}

/// Caps on one batch (MLflow's limits), so one request cannot hold the writer forever.
pub const MAX_BATCH_METRICS: usize = 1000;
pub const MAX_BATCH_PARAMS: usize = 100;
pub const MAX_BATCH_TAGS: usize = 100;

impl Registry {
    pub async fn create_run(&self, actor: &Actor, new: NewRun) -> Result<Run> {
        let exp_id = new.experiment_id.unwrap_or(ExperimentId::DEFAULT);
        let exp = self.get_experiment(exp_id).await?;
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
            .unwrap_or_else(|| generated_name(&run_id));
        let user = new
            .tags
            .iter()
            .find(|t| t.key.as_str() == TAG_USER)
            .map(|t| t.value.clone())
            .unwrap_or_else(|| actor.name().to_string());
        let start = new.start_time.unwrap_or_else(now_millis);
        let artifact_uri = format!("{}/{run_id}/artifacts", exp.artifact_location);
        let mut tx = self.store.begin_write().await?;
        sqlx::query(
            "INSERT INTO runs (run_id, experiment_id, name, user_id, status, start_time, artifact_uri, lifecycle_stage) \
             VALUES ($1, $2, $3, $4, 'RUNNING', $5, $6, 'active')",
        )
        .bind(run_id.as_str().to_string())
        .bind(exp_id.get())
        .bind(run_name.clone())
        .bind(user)
        .bind(start)
        .bind(artifact_uri)
        .execute(tx.conn())
        .await
        .map_err(map_sqlx)?;
        let mut tags = new.tags;
        if !tags.iter().any(|t| t.key.as_str() == TAG_RUN_NAME) {
            tags.push(Tag::parse(TAG_RUN_NAME, run_name.clone())?);
        }
        for t in &tags {
            KvTable::RunTags
                .upsert(tx.conn(), KvOwner::Text(run_id.as_str()), t)
                .await?;
        }
        let after = json(&serde_json::json!({"experiment_id": exp_id, "run_name": run_name}));
        tx.audit(
            actor.name(),
            "run.create",
            subject(&run_id),
            "null".into(),
            after,
        )
        .await?;
        tx.commit().await?;
        self.get_run(&run_id).await
    }

    pub(crate) fn run_info(row: &AnyRow) -> Result<RunInfo> {
        Ok(RunInfo {
            run_id: rows::parsed(RunId::parse(rows::s(row, "run_id")?), "run id")?,
            experiment_id: ExperimentId::new(rows::i(row, "experiment_id")?)?,
            run_name: rows::s(row, "name")?,
            user_id: rows::s(row, "user_id")?,
            status: rows::parsed(rows::s(row, "status")?.parse::<RunStatus>(), "run status")?,
            start_time: rows::i(row, "start_time")?,
            end_time: rows::oi(row, "end_time")?,
            artifact_uri: rows::s(row, "artifact_uri")?,
            lifecycle_stage: LifecycleStage::parse(&rows::s(row, "lifecycle_stage")?)
                .ok_or_else(|| Error::Internal("stored lifecycle stage is invalid".into()))?,
        })
    }

    pub async fn get_run(&self, run_id: &RunId) -> Result<Run> {
        let mut conn = self.store.pool().acquire().await.map_err(map_sqlx)?;
        load_run(&mut conn, run_id).await
    }

    /// The runs of an experiment, newest first (the dashboard's and the demo's view; MLflow
    /// search with filters builds on the same rows).
    pub async fn list_runs(&self, experiment_id: ExperimentId, limit: i64) -> Result<Vec<Run>> {
        let mut conn = self.store.pool().acquire().await.map_err(map_sqlx)?;
        let ids = sqlx::query(
            "SELECT run_id FROM runs WHERE experiment_id = $1 AND lifecycle_stage = 'active' \
             ORDER BY start_time DESC, run_id LIMIT $2",
        )
        .bind(experiment_id.get())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_sqlx)?;
        let mut out = Vec::with_capacity(ids.len());
        for r in &ids {
            let id = rows::parsed(RunId::parse(rows::s(r, "run_id")?), "run id")?;
            out.push(load_run(&mut conn, &id).await?);
        }
        Ok(out)
    }

    pub async fn update_run(
        &self,
        actor: &Actor,
        run_id: &RunId,
        status: Option<RunStatus>,
        end_time: Option<Millis>,
        run_name: Option<String>,
    ) -> Result<RunInfo> {
        let before = self.get_run(run_id).await?.info;
        let mut tx = self.store.begin_write().await?;
        ensure_active(tx.conn(), run_id).await?;
        let status = status.unwrap_or(before.status);
        let end_time = end_time
            .or(before.end_time)
            .or_else(|| status.is_terminal().then(now_millis));
        let name = run_name
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| before.run_name.clone());
        sqlx::query("UPDATE runs SET status = $1, end_time = $2, name = $3 WHERE run_id = $4")
            .bind(status.as_str())
            .bind(end_time)
            .bind(name.clone())
            .bind(run_id.as_str().to_string())
            .execute(tx.conn())
            .await
            .map_err(map_sqlx)?;
        if name != before.run_name {
            KvTable::RunTags
                .upsert(
                    tx.conn(),
                    KvOwner::Text(run_id.as_str()),
                    &Tag::parse(TAG_RUN_NAME, name.clone())?,
                )
                .await?;
        }
        let b = json(
            &serde_json::json!({"status": before.status.as_str(), "end_time": before.end_time, "run_name": before.run_name}),
        );
        let a = json(
            &serde_json::json!({"status": status.as_str(), "end_time": end_time, "run_name": name}),
        );
        tx.audit(actor.name(), "run.update", subject(run_id), b, a)
            .await?;
        tx.commit().await?;
        Ok(self.get_run(run_id).await?.info)
    }

    async fn set_run_stage(&self, actor: &Actor, run_id: &RunId, to: LifecycleStage) -> Result<()> {
        let before = self.get_run(run_id).await?.info;
        let mut tx = self.store.begin_write().await?;
        let deleted_time = (to == LifecycleStage::Deleted).then(now_millis);
        sqlx::query("UPDATE runs SET lifecycle_stage = $1, deleted_time = $2 WHERE run_id = $3")
            .bind(to.as_str())
            .bind(deleted_time)
            .bind(run_id.as_str().to_string())
            .execute(tx.conn())
            .await
            .map_err(map_sqlx)?;
        let action = if to == LifecycleStage::Deleted {
            "run.delete"
        } else {
            "run.restore"
        };
        tx.audit(
            actor.name(),
            action,
            subject(run_id),
            json(&before.lifecycle_stage),
            json(&to),
        )
        .await?;
        tx.commit().await
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
        let mut tx = self.store.begin_write().await?;
        ensure_active(tx.conn(), run_id).await?;
        insert_params(&mut tx, run_id, params).await?;
        for t in tags {
            KvTable::RunTags
                .upsert(tx.conn(), KvOwner::Text(run_id.as_str()), t)
                .await?;
        }
        insert_metrics(&mut tx, run_id, metrics).await?;
        let after = json(&serde_json::json!({
            "metrics": metrics.len(), "params": params.iter().map(|p| (p.key.as_str(), p.value.as_str())).collect::<std::collections::BTreeMap<_, _>>(),
            "tags": tags.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(),
        }));
        tx.audit(
            actor.name(),
            "run.log_batch",
            subject(run_id),
            "null".into(),
            after,
        )
        .await?;
        tx.commit().await
    }

    pub async fn set_run_tag(&self, actor: &Actor, run_id: &RunId, tag: Tag) -> Result<()> {
        self.log_batch(actor, run_id, &[], &[], std::slice::from_ref(&tag))
            .await
    }

    pub async fn delete_run_tag(&self, actor: &Actor, run_id: &RunId, key: &str) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        ensure_active(tx.conn(), run_id).await?;
        if !KvTable::RunTags
            .delete(tx.conn(), KvOwner::Text(run_id.as_str()), key)
            .await?
        {
            return Err(Error::NotFound(format!(
                "No tag with name: {key} in run with id {run_id}"
            )));
        }
        tx.audit(
            actor.name(),
            "run.delete_tag",
            subject(run_id),
            json(&key),
            "null".into(),
        )
        .await?;
        tx.commit().await
    }

    /// Records dataset inputs; a dataset is identified by (experiment, name, digest) and stored once.
    pub async fn log_inputs(
        &self,
        actor: &Actor,
        run_id: &RunId,
        inputs: &[DatasetInput],
    ) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let exp_id = ensure_active(tx.conn(), run_id).await?;
        for input in inputs {
            let d = &input.dataset;
            sqlx::query(
                "INSERT INTO datasets (experiment_id, name, digest, source_type, source, schema, profile) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (experiment_id, name, digest) DO NOTHING",
            )
            .bind(exp_id)
            .bind(d.name.clone())
            .bind(d.digest.clone())
            .bind(d.source_type.clone())
            .bind(d.source.clone())
            .bind(d.schema.clone())
            .bind(d.profile.clone())
            .execute(tx.conn())
            .await
            .map_err(map_sqlx)?;
            let row = sqlx::query(
                "SELECT id FROM datasets WHERE experiment_id = $1 AND name = $2 AND digest = $3",
            )
            .bind(exp_id)
            .bind(d.name.clone())
            .bind(d.digest.clone())
            .fetch_one(tx.conn())
            .await
            .map_err(map_sqlx)?;
            sqlx::query(
                "INSERT INTO run_inputs (run_id, dataset_id, tags_json) VALUES ($1, $2, $3) \
                 ON CONFLICT (run_id, dataset_id) DO UPDATE SET tags_json = excluded.tags_json",
            )
            .bind(run_id.as_str().to_string())
            .bind(rows::i(&row, "id")?)
            .bind(json(&input.tags))
            .execute(tx.conn())
            .await
            .map_err(map_sqlx)?;
        }
        let after = json(
            &inputs
                .iter()
                .map(|i| (&i.dataset.name, &i.dataset.digest))
                .collect::<Vec<_>>(),
        );
        tx.audit(
            actor.name(),
            "run.log_inputs",
            subject(run_id),
            "null".into(),
            after,
        )
        .await?;
        tx.commit().await
    }

    /// Every observation of one metric, in step then timestamp order.
    pub async fn metric_history(&self, run_id: &RunId, key: &Key) -> Result<Vec<Metric>> {
        // Only existence matters here: one query, not a full run load.
        let exists = sqlx::query("SELECT 1 AS one FROM runs WHERE run_id = $1")
            .bind(run_id.as_str().to_string())
            .fetch_optional(self.store.pool())
            .await
            .map_err(map_sqlx)?;
        if exists.is_none() {
            return Err(Error::NotFound(format!("Run with id={run_id} not found")));
        }
        let rows = sqlx::query(
            "SELECT key, value, is_nan, timestamp, step FROM metrics WHERE run_id = $1 AND key = $2 \
             ORDER BY step, timestamp",
        )
        .bind(run_id.as_str().to_string())
        .bind(key.as_str().to_string())
        .fetch_all(self.store.pool())
        .await
        .map_err(map_sqlx)?;
        rows.iter().map(metric_from_row).collect()
    }
}

fn generated_name(run_id: &RunId) -> String {
    const ADJ: [&str; 8] = [
        "brave", "calm", "eager", "gentle", "keen", "lucid", "merry", "quiet",
    ];
    const NOUN: [&str; 8] = [
        "otter", "falcon", "maple", "comet", "heron", "cedar", "lynx", "delta",
    ];
    let b = run_id.as_str().as_bytes();
    format!(
        "{}-{}-{}",
        ADJ[(b[0] % 8) as usize],
        NOUN[(b[1] % 8) as usize],
        &run_id.as_str()[..3]
    )
}

/// Refuses writes to a missing or deleted run; returns its experiment id.
async fn ensure_active(conn: &mut AnyConnection, run_id: &RunId) -> Result<i64> {
    let row = sqlx::query("SELECT experiment_id, lifecycle_stage FROM runs WHERE run_id = $1")
        .bind(run_id.as_str().to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_sqlx)?
        .ok_or_else(|| Error::NotFound(format!("Run with id={run_id} not found")))?;
    if rows::s(&row, "lifecycle_stage")? != "active" {
        return Err(Error::invalid(format!(
            "The run {run_id} must be in the 'active' state. Current state is deleted."
        )));
    }
    rows::i(&row, "experiment_id")
}

pub(crate) async fn load_run(conn: &mut AnyConnection, run_id: &RunId) -> Result<Run> {
    let row = sqlx::query("SELECT * FROM runs WHERE run_id = $1")
        .bind(run_id.as_str().to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_sqlx)?
        .ok_or_else(|| Error::NotFound(format!("Run with id={run_id} not found")))?;
    let info = Registry::run_info(&row)?;
    let owner = KvOwner::Text(run_id.as_str());
    let params = KvTable::RunParams.load(conn, owner).await?;
    let tags = KvTable::RunTags.load(conn, owner).await?;
    let metric_rows = sqlx::query("SELECT key, value, is_nan, timestamp, step FROM latest_metrics WHERE run_id = $1 ORDER BY key")
        .bind(run_id.as_str().to_string())
        .fetch_all(&mut *conn)
        .await
        .map_err(map_sqlx)?;
    let metrics = metric_rows
        .iter()
        .map(metric_from_row)
        .collect::<Result<Vec<_>>>()?;
    let input_rows = sqlx::query(
        "SELECT d.name, d.digest, d.source_type, d.source, d.schema, d.profile, i.tags_json \
         FROM run_inputs i JOIN datasets d ON d.id = i.dataset_id WHERE i.run_id = $1 ORDER BY d.name",
    )
    .bind(run_id.as_str().to_string())
    .fetch_all(&mut *conn)
    .await
    .map_err(map_sqlx)?;
    let mut inputs = Vec::with_capacity(input_rows.len());
    for r in &input_rows {
        inputs.push(DatasetInput {
            dataset: Dataset {
                name: rows::s(r, "name")?,
                digest: rows::s(r, "digest")?,
                source_type: rows::s(r, "source_type")?,
                source: rows::s(r, "source")?,
                schema: rows::os(r, "schema")?,
                profile: rows::os(r, "profile")?,
            },
            tags: rows::parsed(
                serde_json::from_str(&rows::s(r, "tags_json")?),
                "input tags",
            )?,
        });
    }
    let output_rows =
        sqlx::query("SELECT model_id, step FROM run_outputs WHERE run_id = $1 ORDER BY model_id")
            .bind(run_id.as_str().to_string())
            .fetch_all(&mut *conn)
            .await
            .map_err(map_sqlx)?;
    let mut outputs = Vec::with_capacity(output_rows.len());
    for r in &output_rows {
        outputs.push((
            rows::parsed(LoggedModelId::parse(rows::s(r, "model_id")?), "model id")?,
            rows::i(r, "step")?,
        ));
    }
    Ok(Run {
        info,
        metrics,
        params,
        tags,
        inputs,
        outputs,
    })
}
