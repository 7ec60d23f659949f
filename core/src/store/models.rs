//! SQL for registered models: the model row (insert, lock, rename, describe, Production
//! policy, version allocation, delete) and its tags, and the loaders behind a model's
//! page, the dashboard's summaries and registered-model search. Its aliases are
//! `aliases`'s; the versions a model shows are read through `store::versions`.
use super::bind::Flag;
use super::kv::{KvOwner, KvTable};
use super::versions::{self, Which};
use super::{or_exists, Backend, WriteTx};
use crate::error::{Entity, Error, Result};
use crate::model_version::ModelVersion;
use crate::names::{Key, ModelName, Stage, Tag, Version};
use crate::registered_model::{Alias, ModelSummary, RegisteredModel};
use crate::time::Millis;
use sqlx::AnyConnection;
use std::collections::HashMap;

pub mod aliases;

/// The error every lookup of a missing model gives (MLflow's wording).
pub fn not_found(name: &ModelName) -> Error {
    Error::not_found(
        Entity::RegisteredModel,
        name.as_str(),
        format!("Registered Model with name={name} not found"),
    )
}

const MODEL_COLUMNS: &str =
    "id, name, description, creation_time, last_updated_time, single_production";

#[derive(sqlx::FromRow)]
struct ModelRow {
    id: i64,
    name: ModelName,
    description: String,
    creation_time: i64,
    last_updated_time: i64,
    single_production: Flag,
}

impl ModelRow {
    fn into_model(
        self,
        tags: Vec<Tag>,
        aliases: Vec<Alias>,
        latest_versions: Vec<ModelVersion>,
    ) -> RegisteredModel {
        RegisteredModel {
            name: self.name,
            description: self.description,
            creation_time: self.creation_time,
            last_updated_time: self.last_updated_time,
            tags,
            aliases,
            single_production: self.single_production.0,
            latest_versions,
        }
    }
}

/// A model row locked for the rest of the transaction, with what writes under the lock
/// depend on: transitions, version allocation and updates on one model run one at a time.
#[derive(Debug, Clone)]
pub struct LockedModel {
    pub id: i64,
    pub description: String,
    pub single_production: bool,
    /// The number the next registration takes (`take_next_version` moves it on).
    pub next_version: Version,
}

#[derive(sqlx::FromRow)]
struct LockRow {
    id: i64,
    description: String,
    single_production: Flag,
    next_version: Version,
}

/// Locks the model named `name` (PostgreSQL `FOR UPDATE`; SQLite is already serialised by
/// the writer lock), or `not_found`.
pub async fn lock(tx: &mut WriteTx, name: &ModelName) -> Result<LockedModel> {
    let sql = match tx.backend() {
        Backend::Sqlite => {
            "SELECT id, description, single_production, next_version FROM registered_models WHERE name = $1"
        }
        Backend::Postgres => {
            "SELECT id, description, single_production, next_version FROM registered_models WHERE name = $1 FOR UPDATE"
        }
    };
    let row: LockRow = sqlx::query_as(sql)
        .bind(name)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| not_found(name))?;
    Ok(LockedModel {
        id: row.id,
        description: row.description,
        single_production: row.single_production.0,
        next_version: row.next_version,
    })
}

/// The row id of the model named `name`, or `not_found`.
pub async fn id(conn: &mut AnyConnection, name: &ModelName) -> Result<i64> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM registered_models WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await?;
    id.ok_or_else(|| not_found(name))
}

/// Inserts a model; returns its row id. A taken name is `AlreadyExists` in MLflow's words.
pub async fn insert(
    conn: &mut AnyConnection,
    name: &ModelName,
    description: &str,
    now: Millis,
    single_production: bool,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO registered_models (name, description, creation_time, last_updated_time, single_production) \
         VALUES ($1, $2, $3, $3, $4) RETURNING id",
    )
    .bind(name)
    .bind(description)
    .bind(now)
    .bind(single_production)
    .fetch_one(conn)
    .await
    .map_err(|e| {
        or_exists(e.into(), Entity::RegisteredModel, name.as_str(), || {
            format!("Registered Model (name={name}) already exists.")
        })
    })
}

/// Marks the model changed now.
pub async fn touch(conn: &mut AnyConnection, id: i64, now: Millis) -> Result<()> {
    sqlx::query("UPDATE registered_models SET last_updated_time = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Renames a model. A taken name is `AlreadyExists` in MLflow's words.
pub async fn rename(
    conn: &mut AnyConnection,
    id: i64,
    new_name: &ModelName,
    now: Millis,
) -> Result<()> {
    sqlx::query("UPDATE registered_models SET name = $1, last_updated_time = $2 WHERE id = $3")
        .bind(new_name)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await
        .map_err(|e| {
            or_exists(e.into(), Entity::RegisteredModel, new_name.as_str(), || {
                format!("Registered Model (name={new_name}) already exists.")
            })
        })?;
    Ok(())
}

pub async fn set_description(
    conn: &mut AnyConnection,
    id: i64,
    description: &str,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "UPDATE registered_models SET description = $1, last_updated_time = $2 WHERE id = $3",
    )
    .bind(description)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets the model's Production policy and its copy on every version. The copy is what the
/// one-Production index reads, so turning the policy on while several versions are in
/// Production is refused by that index: a precondition failure, said as such.
pub async fn set_single_production(
    conn: &mut AnyConnection,
    name: &ModelName,
    id: i64,
    single: bool,
) -> Result<()> {
    sqlx::query("UPDATE registered_models SET single_production = $1 WHERE id = $2")
        .bind(single)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE model_versions SET single_production = $1 WHERE model_id = $2")
        .bind(single)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(|e| match Error::from(e) {
            Error::AlreadyExists { .. } => Error::FailedPrecondition(format!(
                "Model {name} has more than one version in Production; archive all but one first"
            )),
            other => other,
        })?;
    Ok(())
}

/// Moves the model's version counter on by one (the number was read by `lock`, under the
/// same lock, so concurrent registrations get consecutive numbers and never collide).
pub async fn take_next_version(conn: &mut AnyConnection, id: i64, now: Millis) -> Result<()> {
    sqlx::query(
        "UPDATE registered_models SET next_version = next_version + 1, last_updated_time = $1 WHERE id = $2",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a model with its aliases, versions, version tags and tags.
pub async fn delete(conn: &mut AnyConnection, id: i64) -> Result<()> {
    for sql in [
        "DELETE FROM registered_model_aliases WHERE model_id = $1",
        "DELETE FROM model_version_tags WHERE version_id IN (SELECT id FROM model_versions WHERE model_id = $1)",
        "DELETE FROM model_versions WHERE model_id = $1",
        "DELETE FROM registered_model_tags WHERE model_id = $1",
        "DELETE FROM registered_models WHERE id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Sets (inserts or replaces) one tag of a model.
pub async fn set_tag(conn: &mut AnyConnection, id: i64, tag: &Tag) -> Result<()> {
    KvTable::RegisteredModelTags
        .upsert(conn, KvOwner::Int(id), tag)
        .await
}

/// Removes one tag of a model; returns whether it existed.
pub async fn delete_tag(conn: &mut AnyConnection, id: i64, key: &str) -> Result<bool> {
    KvTable::RegisteredModelTags
        .delete(conn, KvOwner::Int(id), key)
        .await
}

#[derive(sqlx::FromRow)]
struct ModelTagRow {
    model_id: i64,
    key: Key,
    value: String,
}

/// Every model's tags, by model id, each model's by key.
async fn tags_by_model(conn: &mut AnyConnection) -> Result<HashMap<i64, Vec<Tag>>> {
    let rows: Vec<ModelTagRow> =
        sqlx::query_as("SELECT model_id, key, value FROM registered_model_tags ORDER BY key")
            .fetch_all(conn)
            .await?;
    let mut out: HashMap<i64, Vec<Tag>> = HashMap::new();
    for r in rows {
        out.entry(r.model_id).or_default().push(Tag {
            key: r.key,
            value: r.value,
        });
    }
    Ok(out)
}

/// Versions in stage order (None, Staging, Production, Archived), as MLflow's
/// `latest_versions` lists them.
fn in_stage_order(mut versions: Vec<ModelVersion>) -> Vec<ModelVersion> {
    versions.sort_by_key(|v| Stage::ALL.iter().position(|s| *s == v.stage));
    versions
}

/// The model named `name` with its tags, aliases and latest version per stage, or
/// `not_found`. Runs on a pooled connection or, for a write's `before`, under the lock.
pub async fn get(conn: &mut AnyConnection, name: &ModelName) -> Result<RegisteredModel> {
    let row: ModelRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MODEL_COLUMNS} FROM registered_models WHERE name = $1"
    )))
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| not_found(name))?;
    let tags = KvTable::RegisteredModelTags
        .load(&mut *conn, KvOwner::Int(row.id))
        .await?;
    let aliases = aliases::of_model(&mut *conn, row.id).await?;
    // The query keeps the newest version of each stage; `in_stage_order` lists them.
    let latest = versions::load(&mut *conn, name, row.id, Which::LatestPerStage).await?;
    Ok(row.into_model(tags, aliases, in_stage_order(latest)))
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    name: ModelName,
    description: String,
    last_updated_time: i64,
    version_count: i64,
    production_version: Option<Version>,
    staging_version: Option<Version>,
}

/// Every model with its version count, current Production and Staging versions and
/// aliases, by name: two queries whatever the number of models.
pub async fn summaries(conn: &mut AnyConnection) -> Result<Vec<ModelSummary>> {
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "SELECT m.id, m.name, m.description, m.last_updated_time, \
           (SELECT COUNT(*) FROM model_versions v WHERE v.model_id = m.id) AS version_count, \
           (SELECT MAX(version) FROM model_versions v WHERE v.model_id = m.id AND v.stage = 'Production') AS production_version, \
           (SELECT MAX(version) FROM model_versions v WHERE v.model_id = m.id AND v.stage = 'Staging') AS staging_version \
         FROM registered_models m ORDER BY m.name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut aliases = aliases::by_model(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(|r| ModelSummary {
            aliases: aliases.remove(&r.id).unwrap_or_default(),
            name: r.name,
            description: r.description,
            last_updated_time: r.last_updated_time,
            version_count: r.version_count,
            production_version: r.production_version,
            staging_version: r.staging_version,
        })
        .collect())
}

/// Every model with its tags, aliases and latest version per stage, by name, in five
/// queries whatever the number of models (registered-model search reads this).
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<RegisteredModel>> {
    let models: Vec<ModelRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MODEL_COLUMNS} FROM registered_models ORDER BY name"
    )))
    .fetch_all(&mut *conn)
    .await?;
    let mut tags = tags_by_model(&mut *conn).await?;
    let mut aliases = aliases::by_model(&mut *conn).await?;
    let mut latest = versions::latest_per_stage_of_every_model(&mut *conn, &aliases).await?;
    Ok(models
        .into_iter()
        .map(|m| {
            let id = m.id;
            m.into_model(
                tags.remove(&id).unwrap_or_default(),
                aliases.remove(&id).unwrap_or_default(),
                in_stage_order(latest.remove(&id).unwrap_or_default()),
            )
        })
        .collect())
}
