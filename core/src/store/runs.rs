//! SQL for runs: the run row (insert, lock, update, lifecycle) and dataset inputs; the
//! bulk loader every run read goes through is in `bulk`.
use super::rows::parsed;
use super::WriteTx;
use crate::error::{Error, Result};
use crate::experiment::LifecycleStage;
use crate::names::{ExperimentId, RunId};
use crate::run::{DatasetInput, RunInfo, RunStatus};
use crate::time::Millis;
use sqlx::AnyConnection;

mod bulk;
pub use bulk::{load, Bind, Needs, Scope};

#[derive(sqlx::FromRow)]
pub(super) struct RunRow {
    run_id: RunId,
    experiment_id: ExperimentId,
    name: String,
    user_id: String,
    status: String,
    start_time: i64,
    end_time: Option<i64>,
    artifact_uri: String,
    lifecycle_stage: String,
}

impl TryFrom<RunRow> for RunInfo {
    type Error = Error;
    fn try_from(r: RunRow) -> Result<RunInfo> {
        Ok(RunInfo {
            run_id: r.run_id,
            experiment_id: r.experiment_id,
            run_name: r.name,
            user_id: r.user_id,
            status: parsed(r.status.parse::<RunStatus>(), "run status")?,
            start_time: r.start_time,
            end_time: r.end_time,
            artifact_uri: r.artifact_uri,
            lifecycle_stage: LifecycleStage::parse(&r.lifecycle_stage)
                .ok_or_else(|| Error::Internal("stored lifecycle stage is invalid".into()))?,
        })
    }
}

pub(super) const RUN_COLUMNS: &str =
    "run_id, experiment_id, name, user_id, status, start_time, end_time, \
                           artifact_uri, lifecycle_stage";

/// A new run's row.
#[derive(Debug)]
pub struct NewRunRow<'a> {
    pub run_id: &'a RunId,
    pub experiment_id: ExperimentId,
    pub name: &'a str,
    pub user_id: &'a str,
    pub start_time: Millis,
    pub artifact_uri: &'a str,
}

pub async fn insert(conn: &mut AnyConnection, r: &NewRunRow<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO runs (run_id, experiment_id, name, user_id, status, start_time, artifact_uri, lifecycle_stage) \
         VALUES ($1, $2, $3, $4, 'RUNNING', $5, $6, 'active')",
    )
    .bind(r.run_id)
    .bind(r.experiment_id)
    .bind(r.name)
    .bind(r.user_id)
    .bind(r.start_time)
    .bind(r.artifact_uri)
    .execute(conn)
    .await?;
    Ok(())
}

/// The run's row, or `None`.
pub async fn info(conn: &mut AnyConnection, id: &RunId) -> Result<Option<RunInfo>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE run_id = $1");
    let row: Option<RunRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(RunInfo::try_from).transpose()
}

/// The run's row, locked until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite's
/// writer lock already serialises writers), so `before` and the write see the same run.
pub async fn lock(tx: &mut WriteTx, id: &RunId) -> Result<Option<RunInfo>> {
    let lock = super::for_update(tx.conn());
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE run_id = $1{lock}");
    let row: Option<RunRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.map(RunInfo::try_from).transpose()
}

/// Whether a run exists (without loading it).
pub async fn exists(conn: &mut AnyConnection, id: &RunId) -> Result<bool> {
    let row: Option<i64> = sqlx::query_scalar("SELECT 1 FROM runs WHERE run_id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

pub async fn update(
    conn: &mut AnyConnection,
    id: &RunId,
    status: RunStatus,
    end_time: Option<Millis>,
    name: &str,
) -> Result<()> {
    sqlx::query("UPDATE runs SET status = $1, end_time = $2, name = $3 WHERE run_id = $4")
        .bind(status.as_str())
        .bind(end_time)
        .bind(name)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_lifecycle(
    conn: &mut AnyConnection,
    id: &RunId,
    stage: LifecycleStage,
    deleted_time: Option<Millis>,
) -> Result<()> {
    sqlx::query("UPDATE runs SET lifecycle_stage = $1, deleted_time = $2 WHERE run_id = $3")
        .bind(stage.as_str())
        .bind(deleted_time)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ids of an experiment's active runs, newest first.
pub async fn newest_ids(
    conn: &mut AnyConnection,
    experiment: ExperimentId,
    limit: i64,
) -> Result<Vec<RunId>> {
    Ok(sqlx::query_scalar(
        "SELECT run_id FROM runs WHERE experiment_id = $1 AND lifecycle_stage = 'active' \
         ORDER BY start_time DESC, run_id LIMIT $2",
    )
    .bind(experiment)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Records that `run` consumed the logged model `model` (MLflow 3 model inputs). A model
/// that does not exist is a foreign-key violation (`Error::FailedPrecondition`).
pub async fn add_model_input(
    conn: &mut AnyConnection,
    run: &RunId,
    model: &crate::names::LoggedModelId,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO run_model_inputs (run_id, model_id) VALUES ($1, $2) ON CONFLICT (run_id, model_id) DO NOTHING",
    )
    .bind(run)
    .bind(model)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records one dataset input: the dataset (experiment, name, digest) is stored once and
/// the run's link to it keeps the newest input tags.
pub async fn add_input(
    conn: &mut AnyConnection,
    run: &RunId,
    experiment: ExperimentId,
    input: &DatasetInput,
) -> Result<()> {
    let d = &input.dataset;
    sqlx::query(
        "INSERT INTO datasets (experiment_id, name, digest, source_type, source, schema, profile) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (experiment_id, name, digest) DO NOTHING",
    )
    .bind(experiment)
    .bind(&d.name)
    .bind(&d.digest)
    .bind(&d.source_type)
    .bind(&d.source)
    .bind(&d.schema)
    .bind(&d.profile)
    .execute(&mut *conn)
    .await?;
    let dataset_id: i64 = sqlx::query_scalar(
        "SELECT id FROM datasets WHERE experiment_id = $1 AND name = $2 AND digest = $3",
    )
    .bind(experiment)
    .bind(&d.name)
    .bind(&d.digest)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO run_inputs (run_id, dataset_id, tags_json) VALUES ($1, $2, $3) \
         ON CONFLICT (run_id, dataset_id) DO UPDATE SET tags_json = excluded.tags_json",
    )
    .bind(run)
    .bind(dataset_id)
    .bind(super::rows::json(&input.tags))
    .execute(conn)
    .await?;
    Ok(())
}
