//! SQL for model versions: the version row (registration, stage moves, descriptions,
//! deletion), its tags, and the loaders that read versions back with their tags and
//! aliases in a fixed number of queries whatever the number of versions.
mod metrics;

use super::bind::Flag;
use super::kv::{KvOwner, KvTable};
use crate::error::{Entity, Error, Result};
use crate::external::{RunRef, SourceKind};
use crate::model_version::{ModelVersion, VersionStatus};
use crate::names::{AliasName, Key, LoggedModelId, ModelName, RunId, Stage, Tag, Version};
use crate::registered_model::Alias;
use crate::time::Millis;
pub use metrics::{metric_by_version, metric_keys};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// The error every lookup of a missing version gives (MLflow's wording).
pub fn not_found(name: &ModelName, v: Version) -> Error {
    Error::not_found(
        Entity::ModelVersion,
        format!("{name}/{v}"),
        format!("Model Version (name={name}, version={v}) not found"),
    )
}

/// The columns `VersionRow` reads, qualified because the loaders join.
const COLUMNS: &str = "v.id, v.model_id, v.version, v.source, v.run_id, v.run_link, \
                       v.logged_model_id, v.status, v.stage, v.description, v.user_id, \
                       v.creation_time, v.last_updated_time, v.source_external, v.external_run_id";

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: i64,
    model_id: i64,
    version: Version,
    source: String,
    run_id: Option<RunId>,
    run_link: String,
    logged_model_id: Option<LoggedModelId>,
    status: String,
    stage: Stage,
    description: String,
    user_id: String,
    creation_time: i64,
    last_updated_time: i64,
    source_external: Flag,
    external_run_id: Option<String>,
}

/// A version row with its model's name, for the loaders that span models.
#[derive(sqlx::FromRow)]
struct NamedVersionRow {
    model_name: ModelName,
    #[sqlx(flatten)]
    row: VersionRow,
}

impl VersionRow {
    fn into_version(
        self,
        name: ModelName,
        tags: Vec<Tag>,
        aliases: Vec<AliasName>,
    ) -> Result<ModelVersion> {
        Ok(ModelVersion {
            name,
            version: self.version,
            source: self.source,
            source_kind: if self.source_external.0 {
                SourceKind::External
            } else {
                SourceKind::Owned
            },
            run_id: self
                .run_id
                .map(RunRef::Tracked)
                .or(self.external_run_id.map(RunRef::External)),
            run_link: self.run_link,
            logged_model_id: self.logged_model_id,
            status: VersionStatus::parse(&self.status)
                .ok_or_else(|| Error::Internal("stored version status is invalid".into()))?,
            stage: self.stage,
            description: self.description,
            user_id: self.user_id,
            creation_time: self.creation_time,
            last_updated_time: self.last_updated_time,
            tags,
            aliases,
        })
    }
}

#[derive(sqlx::FromRow)]
struct TagRow {
    version_id: i64,
    key: Key,
    value: String,
}

/// A `registered_model_aliases` row (`store::models` reads the same shape).
#[derive(sqlx::FromRow)]
pub(super) struct AliasRow {
    pub model_id: i64,
    pub alias: AliasName,
    pub version: Version,
}

/// Tag rows grouped by version id, each group in the order the query gave (by key).
fn tags_by_version(rows: Vec<TagRow>) -> HashMap<i64, Vec<Tag>> {
    let mut out: HashMap<i64, Vec<Tag>> = HashMap::new();
    for t in rows {
        out.entry(t.version_id).or_default().push(Tag {
            key: t.key,
            value: t.value,
        });
    }
    out
}

/// Alias rows grouped by (model id, version), each group by alias.
fn aliases_by_version(rows: Vec<AliasRow>) -> HashMap<(i64, Version), Vec<AliasName>> {
    let mut out: HashMap<(i64, Version), Vec<AliasName>> = HashMap::new();
    for a in rows {
        out.entry((a.model_id, a.version))
            .or_default()
            .push(a.alias);
    }
    out
}

/// Which versions of one model to load.
#[derive(Debug, Clone, Copy)]
pub enum Which {
    All,
    One(Version),
    /// The newest version in each stage (MLflow's `latest_versions`).
    LatestPerStage,
    /// A page of versions, newest first.
    NewestPage {
        offset: i64,
        limit: i64,
    },
    /// A page of versions, most recently updated first (MLflow's default order), newer
    /// versions first among equals.
    RecentPage {
        offset: i64,
        limit: i64,
    },
}

/// Versions of one model (oldest first) with their tags and aliases, in three queries
/// (one when there is no such version), grouped in memory by id.
pub async fn load(
    conn: &mut AnyConnection,
    name: &ModelName,
    model_id: i64,
    which: Which,
) -> Result<Vec<ModelVersion>> {
    let (cond, extra): (&str, Vec<i64>) = match which {
        Which::All => ("TRUE", vec![]),
        Which::One(v) => ("v.version = $2", vec![v.get()]),
        Which::LatestPerStage => (
            "v.version IN (SELECT MAX(l.version) FROM model_versions l WHERE l.model_id = $1 GROUP BY l.stage)",
            vec![],
        ),
        Which::NewestPage { offset, limit } => (
            "v.version IN (SELECT l.version FROM model_versions l WHERE l.model_id = $1 ORDER BY l.version DESC LIMIT $2 OFFSET $3)",
            vec![limit, offset],
        ),
        Which::RecentPage { offset, limit } => (
            "v.version IN (SELECT l.version FROM model_versions l WHERE l.model_id = $1 \
             ORDER BY l.last_updated_time DESC, l.version DESC LIMIT $2 OFFSET $3)",
            vec![limit, offset],
        ),
    };
    let vsql = format!(
        "SELECT {COLUMNS} FROM model_versions v WHERE v.model_id = $1 AND {cond} ORDER BY v.version"
    );
    let tsql = format!(
        "SELECT t.version_id, t.key, t.value FROM model_version_tags t JOIN model_versions v ON v.id = t.version_id \
         WHERE v.model_id = $1 AND {cond} ORDER BY t.key"
    );
    let mut vq = sqlx::query_as::<_, VersionRow>(sqlx::AssertSqlSafe(vsql)).bind(model_id);
    let mut tq = sqlx::query_as::<_, TagRow>(sqlx::AssertSqlSafe(tsql)).bind(model_id);
    for x in &extra {
        vq = vq.bind(*x);
        tq = tq.bind(*x);
    }
    let rows = vq.fetch_all(&mut *conn).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut tags = tags_by_version(tq.fetch_all(&mut *conn).await?);
    let alias_rows: Vec<AliasRow> = sqlx::query_as(
        "SELECT model_id, alias, version FROM registered_model_aliases WHERE model_id = $1 ORDER BY alias",
    )
    .bind(model_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut aliases = aliases_by_version(alias_rows);
    rows.into_iter()
        .map(|r| {
            let t = tags.remove(&r.id).unwrap_or_default();
            let a = aliases.remove(&(r.model_id, r.version)).unwrap_or_default();
            r.into_version(name.clone(), t, a)
        })
        .collect()
}

/// One version, or `not_found`.
pub async fn get(
    conn: &mut AnyConnection,
    name: &ModelName,
    model_id: i64,
    v: Version,
) -> Result<ModelVersion> {
    load(conn, name, model_id, Which::One(v))
        .await?
        .pop()
        .ok_or_else(|| not_found(name, v))
}

/// The newest version in each stage of every model, by model id, each model's oldest
/// first. Takes every model's aliases (by model id) from the caller, who has loaded them
/// already, so registered-model search stays at five queries.
pub async fn latest_per_stage_of_every_model(
    conn: &mut AnyConnection,
    aliases: &HashMap<i64, Vec<Alias>>,
) -> Result<HashMap<i64, Vec<ModelVersion>>> {
    const LATEST: &str = "v.version IN (SELECT MAX(l.version) FROM model_versions l WHERE l.model_id = v.model_id GROUP BY l.stage)";
    let rows: Vec<NamedVersionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT m.name AS model_name, {COLUMNS} FROM model_versions v \
         JOIN registered_models m ON m.id = v.model_id WHERE {LATEST} ORDER BY v.version"
    )))
    .fetch_all(&mut *conn)
    .await?;
    let tag_rows: Vec<TagRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT t.version_id, t.key, t.value FROM model_version_tags t \
         JOIN model_versions v ON v.id = t.version_id WHERE {LATEST} ORDER BY t.key"
    )))
    .fetch_all(&mut *conn)
    .await?;
    let mut tags = tags_by_version(tag_rows);
    let mut out: HashMap<i64, Vec<ModelVersion>> = HashMap::new();
    for NamedVersionRow { model_name, row } in rows {
        let on_version = aliases
            .get(&row.model_id)
            .into_iter()
            .flatten()
            .filter(|a| a.version == row.version)
            .map(|a| a.alias.clone())
            .collect();
        let model_id = row.model_id;
        let t = tags.remove(&row.id).unwrap_or_default();
        out.entry(model_id)
            .or_default()
            .push(row.into_version(model_name, t, on_version)?);
    }
    Ok(out)
}

/// Every version of every model, by model name and then newest first (what a version
/// search without a `name = '…'` clause reads), in three queries.
pub async fn of_every_model(conn: &mut AnyConnection) -> Result<Vec<ModelVersion>> {
    let rows: Vec<NamedVersionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT m.name AS model_name, {COLUMNS} FROM model_versions v \
         JOIN registered_models m ON m.id = v.model_id ORDER BY m.name, v.version DESC"
    )))
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let tag_rows: Vec<TagRow> =
        sqlx::query_as("SELECT version_id, key, value FROM model_version_tags ORDER BY key")
            .fetch_all(&mut *conn)
            .await?;
    let alias_rows: Vec<AliasRow> = sqlx::query_as(
        "SELECT model_id, alias, version FROM registered_model_aliases ORDER BY alias",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tags = tags_by_version(tag_rows);
    let mut aliases = aliases_by_version(alias_rows);
    rows.into_iter()
        .map(|NamedVersionRow { model_name, row }| {
            let t = tags.remove(&row.id).unwrap_or_default();
            let a = aliases
                .remove(&(row.model_id, row.version))
                .unwrap_or_default();
            row.into_version(model_name, t, a)
        })
        .collect()
}

/// A new version's row; the version number was allocated under the model's lock.
#[derive(Debug)]
pub struct NewVersionRow<'a> {
    pub model_id: i64,
    pub version: Version,
    pub source: &'a str,
    /// External sources are kept verbatim and flagged, never frozen.
    pub source_kind: SourceKind,
    pub run: Option<&'a RunRef>,
    pub run_link: &'a str,
    pub logged_model_id: Option<&'a LoggedModelId>,
    /// The model's policy, copied so the one-Production index can enforce it.
    pub single_production: bool,
    pub description: &'a str,
    pub user_id: &'a str,
    pub now: Millis,
}

/// Inserts a READY version in stage None; returns its row id.
pub async fn insert(conn: &mut AnyConnection, r: &NewVersionRow<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO model_versions (model_id, version, source, run_id, run_link, logged_model_id, status, stage, \
         single_production, description, user_id, creation_time, last_updated_time, source_external, external_run_id) \
         VALUES ($1, $2, $3, $4, $5, $6, 'READY', 'None', $7, $8, $9, $10, $10, $11, $12) RETURNING id",
    )
    .bind(r.model_id)
    .bind(r.version)
    .bind(r.source)
    .bind(r.run.and_then(RunRef::tracked))
    .bind(r.run_link)
    .bind(r.logged_model_id)
    .bind(r.single_production)
    .bind(r.description)
    .bind(r.user_id)
    .bind(r.now)
    .bind(r.source_kind.is_external())
    .bind(match r.run {
        Some(RunRef::External(s)) => Some(s.as_str()),
        _ => None,
    })
    .fetch_one(conn)
    .await?)
}

/// Every version of a model with its stage (what a transition's rule decides over).
pub async fn stages(conn: &mut AnyConnection, model_id: i64) -> Result<Vec<(Version, Stage)>> {
    Ok(
        sqlx::query_as("SELECT version, stage FROM model_versions WHERE model_id = $1")
            .bind(model_id)
            .fetch_all(conn)
            .await?,
    )
}

/// Moves one version to `stage`. The partial unique index refuses a second Production
/// version on a single-Production model; that is a precondition failure, not a duplicate.
pub async fn set_stage(
    conn: &mut AnyConnection,
    model_id: i64,
    v: Version,
    stage: Stage,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "UPDATE model_versions SET stage = $1, last_updated_time = $2 WHERE model_id = $3 AND version = $4",
    )
    .bind(stage)
    .bind(now)
    .bind(model_id)
    .bind(v)
    .execute(conn)
    .await
    .map_err(|e| match Error::from(e) {
        Error::AlreadyExists { .. } => {
            Error::FailedPrecondition("another version is already in Production".into())
        }
        other => other,
    })?;
    Ok(())
}

pub async fn set_description(
    conn: &mut AnyConnection,
    model_id: i64,
    v: Version,
    description: &str,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "UPDATE model_versions SET description = $1, last_updated_time = $2 WHERE model_id = $3 AND version = $4",
    )
    .bind(description)
    .bind(now)
    .bind(model_id)
    .bind(v)
    .execute(conn)
    .await?;
    Ok(())
}

/// The row id of a version (what its tags hang off), or `not_found`.
pub async fn id(
    conn: &mut AnyConnection,
    model_id: i64,
    name: &ModelName,
    v: Version,
) -> Result<i64> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM model_versions WHERE model_id = $1 AND version = $2")
            .bind(model_id)
            .bind(v)
            .fetch_optional(conn)
            .await?;
    id.ok_or_else(|| not_found(name, v))
}

/// Deletes a version with its aliases and tags.
pub async fn delete(conn: &mut AnyConnection, model_id: i64, v: Version) -> Result<()> {
    for sql in [
        "DELETE FROM registered_model_aliases WHERE model_id = $1 AND version = $2",
        "DELETE FROM model_version_tags WHERE version_id IN (SELECT id FROM model_versions WHERE model_id = $1 AND version = $2)",
        "DELETE FROM model_versions WHERE model_id = $1 AND version = $2",
    ] {
        sqlx::query(sql)
            .bind(model_id)
            .bind(v)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Sets (inserts or replaces) one tag of a version.
pub async fn set_tag(conn: &mut AnyConnection, version_id: i64, tag: &Tag) -> Result<()> {
    KvTable::ModelVersionTags
        .upsert(conn, KvOwner::Int(version_id), tag)
        .await
}

/// Removes one tag of a version; returns whether it existed.
pub async fn delete_tag(conn: &mut AnyConnection, version_id: i64, key: &str) -> Result<bool> {
    KvTable::ModelVersionTags
        .delete(conn, KvOwner::Int(version_id), key)
        .await
}
