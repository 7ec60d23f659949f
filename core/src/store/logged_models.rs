//! SQL for MLflow 3 logged models: the model row (insert, lock, status, soft delete), its
//! params and tags read back in bulk (three queries for any number of models), the run
//! outputs that link runs to the models they produced, and the metric points recorded
//! against a model. Params and tags are written through `kv::KvTable`.
use super::WriteTx;
use crate::error::{Error, Result};
use crate::external::RunRef;
use crate::logged_model::{LoggedModel, LoggedModelStatus};
use crate::names::{ExperimentId, Key, LoggedModelId, RunId, Tag};
use crate::run::Metric;
use crate::time::Millis;
use sqlx::AnyConnection;
use std::collections::HashMap;

const COLUMNS: &str = "model_id, experiment_id, name, source_run_id, status, artifact_location, \
                       model_type, creation_time, last_updated_time, external_source_run_id";

#[derive(sqlx::FromRow)]
struct ModelRow {
    model_id: LoggedModelId,
    experiment_id: ExperimentId,
    name: String,
    source_run_id: Option<RunId>,
    status: String,
    artifact_location: String,
    model_type: Option<String>,
    creation_time: i64,
    last_updated_time: i64,
    external_source_run_id: Option<String>,
}

impl ModelRow {
    fn into_model(self, params: Vec<Tag>, tags: Vec<Tag>) -> Result<LoggedModel> {
        Ok(LoggedModel {
            model_id: self.model_id,
            experiment_id: self.experiment_id,
            name: self.name,
            source_run_id: self
                .source_run_id
                .map(RunRef::Tracked)
                .or(self.external_source_run_id.map(RunRef::External)),
            status: LoggedModelStatus::parse(&self.status)
                .ok_or_else(|| Error::Internal("stored model status is invalid".into()))?,
            artifact_location: self.artifact_location,
            model_type: self.model_type,
            creation_time: self.creation_time,
            last_updated_time: self.last_updated_time,
            params,
            tags,
        })
    }
}

#[derive(sqlx::FromRow)]
struct KvRow {
    model_id: String,
    key: Key,
    value: String,
}

/// A new logged model's row; it starts pending and active.
#[derive(Debug)]
pub struct NewModelRow<'a> {
    pub model_id: &'a LoggedModelId,
    pub experiment_id: ExperimentId,
    pub name: &'a str,
    pub source_run_id: Option<&'a RunRef>,
    pub artifact_location: &'a str,
    pub model_type: Option<&'a str>,
    pub now: Millis,
}

pub async fn insert(conn: &mut AnyConnection, m: &NewModelRow<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO logged_models (model_id, experiment_id, name, source_run_id, status, artifact_location, model_type, creation_time, last_updated_time, external_source_run_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)",
    )
    .bind(m.model_id)
    .bind(m.experiment_id)
    .bind(m.name)
    .bind(m.source_run_id.and_then(RunRef::tracked))
    .bind(LoggedModelStatus::Pending.as_str())
    .bind(m.artifact_location)
    .bind(m.model_type)
    .bind(m.now)
    .bind(match m.source_run_id {
        Some(RunRef::External(s)) => Some(s.as_str()),
        _ => None,
    })
    .execute(conn)
    .await?;
    Ok(())
}

/// The active logged model with its params and tags, or `None`.
pub async fn get(conn: &mut AnyConnection, id: &LoggedModelId) -> Result<Option<LoggedModel>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM logged_models WHERE model_id = $1 AND lifecycle_stage = 'active'"
    );
    let row: Option<ModelRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    one_with_kv(conn, row).await
}

/// The active logged model with its params and tags, its row locked until the transaction
/// ends (PostgreSQL `FOR UPDATE`; SQLite's writer lock already serialises writers).
pub async fn lock(tx: &mut WriteTx, id: &LoggedModelId) -> Result<Option<LoggedModel>> {
    let lock = super::for_update(tx.conn());
    let sql = format!(
        "SELECT {COLUMNS} FROM logged_models WHERE model_id = $1 AND lifecycle_stage = 'active'{lock}"
    );
    let row: Option<ModelRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    one_with_kv(tx.conn(), row).await
}

async fn one_with_kv(
    conn: &mut AnyConnection,
    row: Option<ModelRow>,
) -> Result<Option<LoggedModel>> {
    let Some(row) = row else {
        return Ok(None);
    };
    let params = kv_of(conn, "logged_model_params", &row.model_id).await?;
    let tags = kv_of(conn, "logged_model_tags", &row.model_id).await?;
    Ok(Some(row.into_model(params, tags)?))
}

/// One model's rows of a kv table (a closed set of table names, never user input).
async fn kv_of(
    conn: &mut AnyConnection,
    table: &'static str,
    id: &LoggedModelId,
) -> Result<Vec<Tag>> {
    let sql = format!("SELECT model_id, key, value FROM {table} WHERE model_id = $1 ORDER BY key");
    let rows: Vec<KvRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Tag {
            key: r.key,
            value: r.value,
        })
        .collect())
}

/// The rows of a kv table for every model `scope` selects, grouped by model.
async fn kv_in(
    conn: &mut AnyConnection,
    table: &'static str,
    scope: &str,
    experiments: &[ExperimentId],
) -> Result<HashMap<String, Vec<Tag>>> {
    let sql = format!(
        "SELECT model_id, key, value FROM {table} \
         WHERE model_id IN (SELECT model_id FROM logged_models{scope}) ORDER BY key"
    );
    let mut q = sqlx::query_as::<_, KvRow>(sqlx::AssertSqlSafe(sql));
    for e in experiments {
        q = q.bind(*e);
    }
    let mut out: HashMap<String, Vec<Tag>> = HashMap::new();
    for r in q.fetch_all(conn).await? {
        out.entry(r.model_id).or_default().push(Tag {
            key: r.key,
            value: r.value,
        });
    }
    Ok(out)
}

/// `WHERE …` selecting the active models of some experiments (all when none are named),
/// over binds `$1..$n` of the experiment ids.
fn scope(experiments: &[ExperimentId]) -> String {
    let mut sql = String::from(" WHERE lifecycle_stage = 'active'");
    if !experiments.is_empty() {
        let list = (1..=experiments.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        sql.push_str(&format!(" AND experiment_id IN ({list})"));
    }
    sql
}

/// Ids of the active logged models in some experiments (all when none are named), newest
/// first.
pub async fn ids_in(
    conn: &mut AnyConnection,
    experiments: &[ExperimentId],
) -> Result<Vec<LoggedModelId>> {
    let sql = format!(
        "SELECT model_id FROM logged_models{} ORDER BY creation_time DESC, model_id",
        scope(experiments)
    );
    let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
    for e in experiments {
        q = q.bind(*e);
    }
    Ok(q.fetch_all(conn).await?)
}

/// The active logged models in some experiments (all when none are named), newest first,
/// with their params and tags: three queries whatever the number of models.
pub async fn in_experiments(
    conn: &mut AnyConnection,
    experiments: &[ExperimentId],
) -> Result<Vec<LoggedModel>> {
    let scope = scope(experiments);
    let sql =
        format!("SELECT {COLUMNS} FROM logged_models{scope} ORDER BY creation_time DESC, model_id");
    let mut q = sqlx::query_as::<_, ModelRow>(sqlx::AssertSqlSafe(sql));
    for e in experiments {
        q = q.bind(*e);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut params = kv_in(conn, "logged_model_params", &scope, experiments).await?;
    let mut tags = kv_in(conn, "logged_model_tags", &scope, experiments).await?;
    rows.into_iter()
        .map(|r| {
            let p = params.remove(r.model_id.as_str()).unwrap_or_default();
            let t = tags.remove(r.model_id.as_str()).unwrap_or_default();
            r.into_model(p, t)
        })
        .collect()
}

pub async fn set_status(
    conn: &mut AnyConnection,
    id: &LoggedModelId,
    status: LoggedModelStatus,
    now: Millis,
) -> Result<()> {
    sqlx::query("UPDATE logged_models SET status = $1, last_updated_time = $2 WHERE model_id = $3")
        .bind(status.as_str())
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Soft-deletes: the row stays (run outputs and metric points still name it).
pub async fn mark_deleted(conn: &mut AnyConnection, id: &LoggedModelId, now: Millis) -> Result<()> {
    sqlx::query(
        "UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_time = $1 WHERE model_id = $2",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that `run` produced `model` at `step` (the newest step wins). A model that does
/// not exist is a foreign-key violation (`Error::FailedPrecondition`).
pub async fn add_run_output(
    conn: &mut AnyConnection,
    run: &RunId,
    model: &LoggedModelId,
    step: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO run_outputs (run_id, model_id, step) VALUES ($1, $2, $3) \
         ON CONFLICT (run_id, model_id) DO UPDATE SET step = excluded.step",
    )
    .bind(run)
    .bind(model)
    .bind(step)
    .execute(conn)
    .await?;
    Ok(())
}

/// Metric points recorded against a model, with the run that logged each, in key, step,
/// timestamp order.
pub async fn metrics(conn: &mut AnyConnection, id: &LoggedModelId) -> Result<Vec<(Metric, RunId)>> {
    let rows = sqlx::query(
        "SELECT run_id, key, value, is_nan, neg_zero, timestamp, step, model_id, dataset_name, dataset_digest \
         FROM metrics WHERE model_id = $1 ORDER BY key, step, timestamp",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| -> Result<(Metric, RunId)> {
            let mut m = super::metrics::metric_from_row(r)?;
            m.model_id = Some(id.clone());
            Ok((m, sqlx::Row::try_get(r, "run_id")?))
        })
        .collect()
}
