//! SQL for experiments: the experiment row (insert, lock, rename, lifecycle) and reading
//! experiments back with their tags, one at a time or all of a view in two queries. Tags
//! are written through `kv::KvTable::ExperimentTags`.
use super::WriteTx;
use crate::error::{Error, Result};
use crate::experiment::{Experiment, LifecycleStage, ViewType};
use crate::names::{ExperimentId, ExperimentName, Key, Tag};
use crate::time::Millis;
use sqlx::AnyConnection;
use std::collections::HashMap;

const COLUMNS: &str =
    "id, name, artifact_location, lifecycle_stage, creation_time, last_update_time";

#[derive(sqlx::FromRow)]
struct ExperimentRow {
    id: ExperimentId,
    name: ExperimentName,
    artifact_location: String,
    lifecycle_stage: String,
    creation_time: i64,
    last_update_time: i64,
}

impl ExperimentRow {
    fn into_experiment(self, tags: Vec<Tag>) -> Result<Experiment> {
        Ok(Experiment {
            id: self.id,
            name: self.name,
            artifact_location: self.artifact_location,
            lifecycle_stage: stage(&self.lifecycle_stage)?,
            creation_time: self.creation_time,
            last_update_time: self.last_update_time,
            tags,
        })
    }
}

fn stage(s: &str) -> Result<LifecycleStage> {
    LifecycleStage::parse(s)
        .ok_or_else(|| Error::Internal("stored lifecycle stage is invalid".into()))
}

#[derive(sqlx::FromRow)]
struct TagRow {
    experiment_id: ExperimentId,
    key: Key,
    value: String,
}

/// Inserts a new, active experiment with an empty artifact location (the location derives
/// from the id, so the caller sets it with `set_artifact_location`); returns the id.
pub async fn insert(
    conn: &mut AnyConnection,
    name: &ExperimentName,
    now: Millis,
) -> Result<ExperimentId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) \
         VALUES ($1, '', 'active', $2, $2) RETURNING id",
    )
    .bind(name)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

pub async fn set_artifact_location(
    conn: &mut AnyConnection,
    id: ExperimentId,
    location: &str,
) -> Result<()> {
    sqlx::query("UPDATE experiments SET artifact_location = $1 WHERE id = $2")
        .bind(location)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The experiment with its tags, or `None`.
pub async fn get(conn: &mut AnyConnection, id: ExperimentId) -> Result<Option<Experiment>> {
    let sql = format!("SELECT {COLUMNS} FROM experiments WHERE id = $1");
    let row: Option<ExperimentRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    with_tags(conn, row).await
}

/// The experiment of this name with its tags, or `None`.
pub async fn by_name(conn: &mut AnyConnection, name: &str) -> Result<Option<Experiment>> {
    let sql = format!("SELECT {COLUMNS} FROM experiments WHERE name = $1");
    let row: Option<ExperimentRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    with_tags(conn, row).await
}

/// The experiment with its tags, its row locked until the transaction ends (PostgreSQL
/// `FOR UPDATE`; SQLite's writer lock already serialises writers), so `before` and the
/// write see the same experiment.
pub async fn lock(tx: &mut WriteTx, id: ExperimentId) -> Result<Option<Experiment>> {
    let lock = super::for_update(tx.conn());
    let sql = format!("SELECT {COLUMNS} FROM experiments WHERE id = $1{lock}");
    let row: Option<ExperimentRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    with_tags(tx.conn(), row).await
}

async fn with_tags(
    conn: &mut AnyConnection,
    row: Option<ExperimentRow>,
) -> Result<Option<Experiment>> {
    let Some(row) = row else {
        return Ok(None);
    };
    let tags: Vec<TagRow> = sqlx::query_as(
        "SELECT experiment_id, key, value FROM experiment_tags WHERE experiment_id = $1 ORDER BY key",
    )
    .bind(row.id)
    .fetch_all(conn)
    .await?;
    let tags = tags
        .into_iter()
        .map(|t| Tag {
            key: t.key,
            value: t.value,
        })
        .collect();
    Ok(Some(row.into_experiment(tags)?))
}

/// Every experiment in a view with its tags, newest first: two queries whatever the
/// number of experiments.
pub async fn all(conn: &mut AnyConnection, view: ViewType) -> Result<Vec<Experiment>> {
    let stage = match view {
        ViewType::ActiveOnly => " WHERE lifecycle_stage = 'active'",
        ViewType::DeletedOnly => " WHERE lifecycle_stage = 'deleted'",
        ViewType::All => "",
    };
    let sql =
        format!("SELECT {COLUMNS} FROM experiments{stage} ORDER BY creation_time DESC, id DESC");
    let rows: Vec<ExperimentRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    let tag_rows: Vec<TagRow> =
        sqlx::query_as("SELECT experiment_id, key, value FROM experiment_tags ORDER BY key")
            .fetch_all(conn)
            .await?;
    let mut tags: HashMap<ExperimentId, Vec<Tag>> = HashMap::new();
    for t in tag_rows {
        tags.entry(t.experiment_id).or_default().push(Tag {
            key: t.key,
            value: t.value,
        });
    }
    rows.into_iter()
        .map(|r| {
            let t = tags.remove(&r.id).unwrap_or_default();
            r.into_experiment(t)
        })
        .collect()
}

pub async fn rename(
    conn: &mut AnyConnection,
    id: ExperimentId,
    name: &ExperimentName,
    now: Millis,
) -> Result<()> {
    sqlx::query("UPDATE experiments SET name = $1, last_update_time = $2 WHERE id = $3")
        .bind(name)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_lifecycle(
    conn: &mut AnyConnection,
    id: ExperimentId,
    stage: LifecycleStage,
    now: Millis,
) -> Result<()> {
    sqlx::query("UPDATE experiments SET lifecycle_stage = $1, last_update_time = $2 WHERE id = $3")
        .bind(stage.as_str())
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
