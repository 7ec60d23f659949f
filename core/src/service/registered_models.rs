//! Registered models: create, read, list, rename, describe, delete, tags, aliases and the
//! single-Production policy.
use super::model_versions::{load_versions, Which};
use super::Registry;
use crate::error::{Error, Result};
use crate::names::{AliasName, ModelName, Stage, Tag, Version};
use crate::registered_model::{Alias, ModelSummary, RegisteredModel};
use crate::store::rows::{self, json, KvOwner, KvTable};
use crate::store::{map_sqlx, or_exists, Backend, WriteTx};
use crate::time::now_millis;
use crate::user::Actor;
use sqlx::AnyConnection;

pub(crate) fn subject(name: &ModelName) -> String {
    format!("registered_model:{name}")
}

/// A model row locked for the rest of the transaction (PostgreSQL `FOR UPDATE`; SQLite is
/// already serialised by the writer lock), so transitions and version allocation on one
/// model run one at a time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LockedModel {
    pub id: i64,
    pub single_production: bool,
}

pub(crate) async fn lock_model(tx: &mut WriteTx, name: &ModelName) -> Result<LockedModel> {
    let sql = match tx.backend() {
        Backend::Sqlite => "SELECT id, single_production FROM registered_models WHERE name = $1",
        Backend::Postgres => {
            "SELECT id, single_production FROM registered_models WHERE name = $1 FOR UPDATE"
        }
    };
    let row = sqlx::query(sql)
        .bind(name.as_str().to_string())
        .fetch_optional(tx.conn())
        .await
        .map_err(map_sqlx)?
        .ok_or_else(|| not_found(name))?;
    Ok(LockedModel {
        id: rows::i(&row, "id")?,
        single_production: rows::b(&row, "single_production")?,
    })
}

pub(crate) fn not_found(name: &ModelName) -> Error {
    Error::NotFound(format!("Registered Model with name={name} not found"))
}

async fn model_id(conn: &mut AnyConnection, name: &ModelName) -> Result<i64> {
    let row = sqlx::query("SELECT id FROM registered_models WHERE name = $1")
        .bind(name.as_str().to_string())
        .fetch_optional(conn)
        .await
        .map_err(map_sqlx)?
        .ok_or_else(|| not_found(name))?;
    rows::i(&row, "id")
}

async fn touch(tx: &mut WriteTx, id: i64) -> Result<()> {
    sqlx::query("UPDATE registered_models SET last_updated_time = $1 WHERE id = $2")
        .bind(now_millis())
        .bind(id)
        .execute(tx.conn())
        .await
        .map_err(map_sqlx)?;
    Ok(())
}

impl Registry {
    pub async fn create_registered_model(
        &self,
        actor: &Actor,
        name: ModelName,
        description: String,
        tags: Vec<Tag>,
    ) -> Result<RegisteredModel> {
        let now = now_millis();
        let mut tx = self.store.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO registered_models (name, description, creation_time, last_updated_time, single_production) VALUES ($1, $2, $3, $3, $4) RETURNING id",
        )
        .bind(name.as_str().to_string())
        .bind(description.clone())
        .bind(now)
        .bind(self.settings.single_production_default)
        .fetch_one(tx.conn())
        .await
        .map_err(|e| or_exists(map_sqlx(e), || format!("Registered Model (name={name}) already exists.")))?;
        let id = rows::i(&row, "id")?;
        for t in &tags {
            KvTable::RegisteredModelTags
                .upsert(tx.conn(), KvOwner::Int(id), t)
                .await?;
        }
        let after =
            json(&serde_json::json!({"name": name, "description": description, "tags": tags}));
        tx.audit(
            actor.name(),
            "registered_model.create",
            subject(&name),
            "null".into(),
            after,
        )
        .await?;
        tx.commit().await?;
        self.get_registered_model(&name).await
    }

    pub async fn get_registered_model(&self, name: &ModelName) -> Result<RegisteredModel> {
        let mut conn = self.store.pool().acquire().await.map_err(map_sqlx)?;
        let row = sqlx::query("SELECT * FROM registered_models WHERE name = $1")
            .bind(name.as_str().to_string())
            .fetch_optional(&mut *conn)
            .await
            .map_err(map_sqlx)?
            .ok_or_else(|| not_found(name))?;
        let id = rows::i(&row, "id")?;
        let tags = KvTable::RegisteredModelTags
            .load(&mut conn, KvOwner::Int(id))
            .await?;
        let aliases = load_aliases(&mut conn, id).await?;
        let versions = load_versions(&mut conn, name, id, Which::LatestPerStage).await?;
        // MLflow's latest_versions: the newest version in each stage.
        let mut latest_versions = Vec::new();
        for stage in Stage::ALL {
            if let Some(v) = versions
                .iter()
                .filter(|v| v.stage == stage)
                .max_by_key(|v| v.version)
            {
                latest_versions.push(v.clone());
            }
        }
        Ok(RegisteredModel {
            name: name.clone(),
            description: rows::s(&row, "description")?,
            creation_time: rows::i(&row, "creation_time")?,
            last_updated_time: rows::i(&row, "last_updated_time")?,
            tags,
            aliases,
            single_production: rows::b(&row, "single_production")?,
            latest_versions,
        })
    }

    /// Every model with its version count, current Production and Staging versions and
    /// aliases: two queries whatever the number of models.
    pub async fn list_model_summaries(&self) -> Result<Vec<ModelSummary>> {
        let mut conn = self.store.pool().acquire().await.map_err(map_sqlx)?;
        let rows = sqlx::query(
            "SELECT m.id, m.name, m.description, m.last_updated_time, \
               (SELECT COUNT(*) FROM model_versions v WHERE v.model_id = m.id) AS version_count, \
               (SELECT MAX(version) FROM model_versions v WHERE v.model_id = m.id AND v.stage = 'Production') AS production_version, \
               (SELECT MAX(version) FROM model_versions v WHERE v.model_id = m.id AND v.stage = 'Staging') AS staging_version \
             FROM registered_models m ORDER BY m.name",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(map_sqlx)?;
        let alias_rows = sqlx::query(
            "SELECT model_id, alias, version FROM registered_model_aliases ORDER BY alias",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(map_sqlx)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id = rows::i(r, "id")?;
            let mut aliases = Vec::new();
            for a in alias_rows
                .iter()
                .filter(|a| rows::i(a, "model_id").ok() == Some(id))
            {
                aliases.push(alias_from_row(a)?);
            }
            out.push(ModelSummary {
                name: rows::parsed(ModelName::parse(rows::s(r, "name")?), "model name")?,
                description: rows::s(r, "description")?,
                last_updated_time: rows::i(r, "last_updated_time")?,
                version_count: rows::i(r, "version_count")?,
                production_version: rows::oi(r, "production_version")?
                    .map(Version::new)
                    .transpose()?,
                staging_version: rows::oi(r, "staging_version")?
                    .map(Version::new)
                    .transpose()?,
                aliases,
            });
        }
        Ok(out)
    }

    pub async fn rename_registered_model(
        &self,
        actor: &Actor,
        name: &ModelName,
        new_name: ModelName,
    ) -> Result<RegisteredModel> {
        let mut tx = self.store.begin_write().await?;
        let m = lock_model(&mut tx, name).await?;
        sqlx::query("UPDATE registered_models SET name = $1, last_updated_time = $2 WHERE id = $3")
            .bind(new_name.as_str().to_string())
            .bind(now_millis())
            .bind(m.id)
            .execute(tx.conn())
            .await
            .map_err(|e| {
                or_exists(map_sqlx(e), || {
                    format!("Registered Model (name={new_name}) already exists.")
                })
            })?;
        tx.audit(
            actor.name(),
            "registered_model.rename",
            subject(name),
            json(name),
            json(&new_name),
        )
        .await?;
        tx.commit().await?;
        self.get_registered_model(&new_name).await
    }

    pub async fn update_registered_model(
        &self,
        actor: &Actor,
        name: &ModelName,
        description: String,
    ) -> Result<RegisteredModel> {
        let before = self.get_registered_model(name).await?;
        let mut tx = self.store.begin_write().await?;
        let m = lock_model(&mut tx, name).await?;
        sqlx::query(
            "UPDATE registered_models SET description = $1, last_updated_time = $2 WHERE id = $3",
        )
        .bind(description.clone())
        .bind(now_millis())
        .bind(m.id)
        .execute(tx.conn())
        .await
        .map_err(map_sqlx)?;
        tx.audit(
            actor.name(),
            "registered_model.update",
            subject(name),
            json(&before.description),
            json(&description),
        )
        .await?;
        tx.commit().await?;
        self.get_registered_model(name).await
    }

    /// Sets whether the model allows a single Production version. Turning it on fails while
    /// more than one version is in Production.
    pub async fn set_production_policy(
        &self,
        actor: &Actor,
        name: &ModelName,
        single: bool,
    ) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let m = lock_model(&mut tx, name).await?;
        sqlx::query("UPDATE registered_models SET single_production = $1 WHERE id = $2")
            .bind(single)
            .bind(m.id)
            .execute(tx.conn())
            .await
            .map_err(map_sqlx)?;
        sqlx::query("UPDATE model_versions SET single_production = $1 WHERE model_id = $2")
            .bind(single)
            .bind(m.id)
            .execute(tx.conn())
            .await
            .map_err(|e| match map_sqlx(e) {
                Error::AlreadyExists(_) => Error::FailedPrecondition(format!(
                    "Model {name} has more than one version in Production; archive all but one first"
                )),
                other => other,
            })?;
        let b = json(&serde_json::json!({"single_production": m.single_production}));
        let a = json(&serde_json::json!({"single_production": single}));
        tx.audit(
            actor.name(),
            "registered_model.set_policy",
            subject(name),
            b,
            a,
        )
        .await?;
        tx.commit().await
    }

    pub async fn delete_registered_model(&self, actor: &Actor, name: &ModelName) -> Result<()> {
        let before = self.get_registered_model(name).await?;
        let mut tx = self.store.begin_write().await?;
        let m = lock_model(&mut tx, name).await?;
        for sql in [
            "DELETE FROM registered_model_aliases WHERE model_id = $1",
            "DELETE FROM model_version_tags WHERE version_id IN (SELECT id FROM model_versions WHERE model_id = $1)",
            "DELETE FROM model_versions WHERE model_id = $1",
            "DELETE FROM registered_model_tags WHERE model_id = $1",
            "DELETE FROM registered_models WHERE id = $1",
        ] {
            sqlx::query(sql).bind(m.id).execute(tx.conn()).await.map_err(map_sqlx)?;
        }
        let b = json(&serde_json::json!({
            "description": before.description, "tags": before.tags, "aliases": before.aliases,
            "versions": before.latest_versions.iter().map(|v| (v.version, v.stage)).collect::<Vec<_>>(),
        }));
        tx.audit(
            actor.name(),
            "registered_model.delete",
            subject(name),
            b,
            "null".into(),
        )
        .await?;
        tx.commit().await
    }

    pub async fn set_registered_model_tag(
        &self,
        actor: &Actor,
        name: &ModelName,
        tag: Tag,
    ) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let m = lock_model(&mut tx, name).await?;
        KvTable::RegisteredModelTags
            .upsert(tx.conn(), KvOwner::Int(m.id), &tag)
            .await?;
        touch(&mut tx, m.id).await?;
        tx.audit(
            actor.name(),
            "registered_model.set_tag",
            subject(name),
            "null".into(),
            json(&tag),
        )
        .await?;
        tx.commit().await
    }

    pub async fn delete_registered_model_tag(
        &self,
        actor: &Actor,
        name: &ModelName,
        key: &str,
    ) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let m = lock_model(&mut tx, name).await?;
        if !KvTable::RegisteredModelTags
            .delete(tx.conn(), KvOwner::Int(m.id), key)
            .await?
        {
            return Err(Error::NotFound(format!(
                "No tag with name: {key} in registered model {name}"
            )));
        }
        tx.audit(
            actor.name(),
            "registered_model.delete_tag",
            subject(name),
            json(&key),
            "null".into(),
        )
        .await?;
        tx.commit().await
    }

    /// Points `alias` at `version`, moving it if it pointed elsewhere.
    pub async fn set_alias(
        &self,
        actor: &Actor,
        name: &ModelName,
        alias: AliasName,
        version: Version,
    ) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let m = lock_model(&mut tx, name).await?;
        let exists =
            sqlx::query("SELECT 1 AS one FROM model_versions WHERE model_id = $1 AND version = $2")
                .bind(m.id)
                .bind(version.get())
                .fetch_optional(tx.conn())
                .await
                .map_err(map_sqlx)?;
        if exists.is_none() {
            return Err(Error::NotFound(format!(
                "Model Version (name={name}, version={version}) not found"
            )));
        }
        let before = sqlx::query(
            "SELECT version FROM registered_model_aliases WHERE model_id = $1 AND alias = $2",
        )
        .bind(m.id)
        .bind(alias.as_str().to_string())
        .fetch_optional(tx.conn())
        .await
        .map_err(map_sqlx)?
        .map(|r| rows::i(&r, "version"))
        .transpose()?;
        sqlx::query(
            "INSERT INTO registered_model_aliases (model_id, alias, version) VALUES ($1, $2, $3) \
             ON CONFLICT (model_id, alias) DO UPDATE SET version = excluded.version",
        )
        .bind(m.id)
        .bind(alias.as_str().to_string())
        .bind(version.get())
        .execute(tx.conn())
        .await
        .map_err(map_sqlx)?;
        touch(&mut tx, m.id).await?;
        let subj = format!("{}@{alias}", subject(name));
        tx.audit(
            actor.name(),
            "alias.set",
            subj,
            json(&before),
            json(&version),
        )
        .await?;
        tx.commit().await
    }

    pub async fn delete_alias(
        &self,
        actor: &Actor,
        name: &ModelName,
        alias: &AliasName,
    ) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let m = lock_model(&mut tx, name).await?;
        let before = sqlx::query(
            "SELECT version FROM registered_model_aliases WHERE model_id = $1 AND alias = $2",
        )
        .bind(m.id)
        .bind(alias.as_str().to_string())
        .fetch_optional(tx.conn())
        .await
        .map_err(map_sqlx)?
        .ok_or_else(|| Error::NotFound(format!("Registered model alias {alias} not found.")))?;
        sqlx::query("DELETE FROM registered_model_aliases WHERE model_id = $1 AND alias = $2")
            .bind(m.id)
            .bind(alias.as_str().to_string())
            .execute(tx.conn())
            .await
            .map_err(map_sqlx)?;
        let subj = format!("{}@{alias}", subject(name));
        tx.audit(
            actor.name(),
            "alias.delete",
            subj,
            json(&rows::i(&before, "version")?),
            "null".into(),
        )
        .await?;
        tx.commit().await
    }

    /// The version an alias points at (what `models:/name@alias` resolves to at load time).
    pub async fn resolve_alias(&self, name: &ModelName, alias: &AliasName) -> Result<Version> {
        let mut conn = self.store.pool().acquire().await.map_err(map_sqlx)?;
        let id = model_id(&mut conn, name).await?;
        let row = sqlx::query(
            "SELECT version FROM registered_model_aliases WHERE model_id = $1 AND alias = $2",
        )
        .bind(id)
        .bind(alias.as_str().to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_sqlx)?
        .ok_or_else(|| Error::NotFound(format!("Registered model alias {alias} not found.")))?;
        Version::new(rows::i(&row, "version")?)
    }
}

fn alias_from_row(r: &sqlx::any::AnyRow) -> Result<Alias> {
    Ok(Alias {
        alias: rows::parsed(AliasName::parse(rows::s(r, "alias")?), "alias")?,
        version: Version::new(rows::i(r, "version")?)?,
    })
}

pub(crate) async fn load_aliases(conn: &mut AnyConnection, model_id: i64) -> Result<Vec<Alias>> {
    let rows = sqlx::query(
        "SELECT alias, version FROM registered_model_aliases WHERE model_id = $1 ORDER BY alias",
    )
    .bind(model_id)
    .fetch_all(conn)
    .await
    .map_err(map_sqlx)?;
    rows.iter().map(alias_from_row).collect()
}

impl Registry {
    /// Every registered model with tags, aliases and latest versions, in five queries
    /// whatever the number of models (registered-model search reads this).
    pub(crate) async fn registered_models_bulk(&self) -> Result<Vec<RegisteredModel>> {
        use super::model_versions::version_from_row;
        use std::collections::HashMap;
        const LATEST: &str = "v.version IN (SELECT MAX(l.version) FROM model_versions l WHERE l.model_id = v.model_id GROUP BY l.stage)";
        let mut conn = self.store.pool().acquire().await.map_err(map_sqlx)?;
        let models = sqlx::query("SELECT * FROM registered_models ORDER BY name")
            .fetch_all(&mut *conn)
            .await
            .map_err(map_sqlx)?;
        let tag_rows =
            sqlx::query("SELECT model_id, key, value FROM registered_model_tags ORDER BY key")
                .fetch_all(&mut *conn)
                .await
                .map_err(map_sqlx)?;
        let alias_rows = sqlx::query(
            "SELECT model_id, alias, version FROM registered_model_aliases ORDER BY alias",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(map_sqlx)?;
        let version_rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT v.* FROM model_versions v WHERE {LATEST} ORDER BY v.version"
        )))
        .fetch_all(&mut *conn)
        .await
        .map_err(map_sqlx)?;
        let vtag_rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT t.version_id, t.key, t.value FROM model_version_tags t JOIN model_versions v ON v.id = t.version_id WHERE {LATEST} ORDER BY t.key"
        )))
        .fetch_all(&mut *conn)
        .await
        .map_err(map_sqlx)?;
        let mut tags: HashMap<i64, Vec<Tag>> = HashMap::new();
        for t in &tag_rows {
            let tag = Tag {
                key: rows::parsed(crate::names::Key::parse(rows::s(t, "key")?), "key")?,
                value: rows::s(t, "value")?,
            };
            tags.entry(rows::i(t, "model_id")?).or_default().push(tag);
        }
        let mut aliases: HashMap<i64, Vec<Alias>> = HashMap::new();
        for a in &alias_rows {
            aliases
                .entry(rows::i(a, "model_id")?)
                .or_default()
                .push(alias_from_row(a)?);
        }
        let mut vtags: HashMap<i64, Vec<Tag>> = HashMap::new();
        for t in &vtag_rows {
            let tag = Tag {
                key: rows::parsed(crate::names::Key::parse(rows::s(t, "key")?), "key")?,
                value: rows::s(t, "value")?,
            };
            vtags
                .entry(rows::i(t, "version_id")?)
                .or_default()
                .push(tag);
        }
        let mut versions: HashMap<i64, Vec<&sqlx::any::AnyRow>> = HashMap::new();
        for v in &version_rows {
            versions.entry(rows::i(v, "model_id")?).or_default().push(v);
        }
        let mut out = Vec::with_capacity(models.len());
        for m in &models {
            let id = rows::i(m, "id")?;
            let name = rows::parsed(ModelName::parse(rows::s(m, "name")?), "model name")?;
            let model_aliases = aliases.remove(&id).unwrap_or_default();
            let mut latest = Vec::new();
            for r in versions.remove(&id).unwrap_or_default() {
                let version = rows::i(r, "version")?;
                let on_version = model_aliases
                    .iter()
                    .filter(|a| a.version.get() == version)
                    .map(|a| a.alias.clone())
                    .collect();
                latest.push(version_from_row(
                    r,
                    &name,
                    vtags.remove(&rows::i(r, "id")?).unwrap_or_default(),
                    on_version,
                )?);
            }
            // Stage order, as `get_registered_model` answers.
            latest.sort_by_key(|v| Stage::ALL.iter().position(|s| *s == v.stage));
            out.push(RegisteredModel {
                name,
                description: rows::s(m, "description")?,
                creation_time: rows::i(m, "creation_time")?,
                last_updated_time: rows::i(m, "last_updated_time")?,
                tags: tags.remove(&id).unwrap_or_default(),
                aliases: model_aliases,
                single_production: rows::b(m, "single_production")?,
                latest_versions: latest,
            });
        }
        Ok(out)
    }
}
