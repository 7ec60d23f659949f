//! Model versions: registration (the version number allocated inside the transaction),
//! reads, stage transitions with archiving, descriptions, tags and deletion.
use super::artifacts::freeze_prefix;
use super::registered_models::{lock_model, not_found};
use super::version_source::resolve_source;
use super::Registry;
use crate::error::{Error, Result};
use crate::model_version::{
    versions_to_archive, ModelVersion, NewModelVersion, Transition, VersionStatus,
};
use crate::names::{AliasName, LoggedModelId, ModelName, RunId, Stage, Tag, Version};
use crate::store::rows::{self, json, KvOwner, KvTable};
use crate::store::{map_sqlx, WriteTx};
use crate::time::now_millis;
use crate::user::Actor;
use sqlx::AnyConnection;

fn subject(name: &ModelName, v: Version) -> String {
    format!("model_version:{name}/{v}")
}

fn version_not_found(name: &ModelName, v: Version) -> Error {
    Error::NotFound(format!(
        "Model Version (name={name}, version={v}) not found"
    ))
}

impl Registry {
    /// Registers a version. The source must resolve inside the named run's or logged
    /// model's artifact root (never a client-chosen location); that directory is frozen in
    /// the same transaction, so the version's artifact set cannot change afterwards.
    pub async fn create_model_version(
        &self,
        actor: &Actor,
        mut new: NewModelVersion,
    ) -> Result<ModelVersion> {
        let now = now_millis();
        let mut tx = self.store.begin_write().await?;
        let m = lock_model(&mut tx, &new.name).await?;
        let resolved = resolve_source(
            tx.conn(),
            &new.source,
            new.run_id.as_ref(),
            new.logged_model_id.as_ref(),
        )
        .await?;
        new.run_id = resolved.run_id.clone();
        new.logged_model_id = resolved.logged_model_id.clone();
        new.source = resolved.source.clone();
        freeze_prefix(&mut tx, &resolved.prefix).await?;
        // Allocation happens under the model's row lock, so concurrent registrations get
        // consecutive numbers and never collide.
        let row = sqlx::query("UPDATE registered_models SET next_version = next_version + 1, last_updated_time = $1 WHERE id = $2 RETURNING next_version")
            .bind(now)
            .bind(m.id)
            .fetch_one(tx.conn())
            .await
            .map_err(map_sqlx)?;
        let version = Version::new(rows::i(&row, "next_version")? - 1)?;
        let row = sqlx::query(
            "INSERT INTO model_versions (model_id, version, source, run_id, run_link, logged_model_id, status, stage, \
             single_production, description, user_id, creation_time, last_updated_time) \
             VALUES ($1, $2, $3, $4, $5, $6, 'READY', 'None', $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(m.id)
        .bind(version.get())
        .bind(new.source.clone())
        .bind(new.run_id.as_ref().map(|r| r.as_str().to_string()))
        .bind(new.run_link.clone())
        .bind(new.logged_model_id.as_ref().map(|r| r.as_str().to_string()))
        .bind(m.single_production)
        .bind(new.description.clone())
        .bind(actor.name().to_string())
        .bind(now)
        .fetch_one(tx.conn())
        .await
        .map_err(map_sqlx)?;
        let id = rows::i(&row, "id")?;
        for t in &new.tags {
            KvTable::ModelVersionTags
                .upsert(tx.conn(), KvOwner::Int(id), t)
                .await?;
        }
        let after = json(
            &serde_json::json!({"source": new.source, "run_id": new.run_id, "logged_model_id": new.logged_model_id, "stage": "None"}),
        );
        tx.audit(
            actor.name(),
            "model_version.create",
            subject(&new.name, version),
            "null".into(),
            after,
        )
        .await?;
        tx.commit().await?;
        self.get_model_version(&new.name, version).await
    }

    pub async fn get_model_version(
        &self,
        name: &ModelName,
        version: Version,
    ) -> Result<ModelVersion> {
        let mut conn = self.store.pool().acquire().await.map_err(map_sqlx)?;
        let id = model_id_of(&mut conn, name).await?;
        load_versions(&mut conn, name, id, Which::One(version))
            .await?
            .pop()
            .ok_or_else(|| version_not_found(name, version))
    }

    /// A page of a model's versions, newest first, and whether more follow.
    pub async fn model_versions_page(
        &self,
        name: &ModelName,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<ModelVersion>, bool)> {
        let mut conn = self.store.pool().acquire().await.map_err(map_sqlx)?;
        let id = model_id_of(&mut conn, name).await?;
        let mut vs = load_versions(
            &mut conn,
            name,
            id,
            Which::NewestPage {
                offset,
                limit: limit + 1,
            },
        )
        .await?;
        vs.reverse();
        let more = vs.len() as i64 > limit;
        vs.truncate(limit as usize);
        Ok((vs, more))
    }

    /// All versions of a model, newest first.
    pub async fn list_model_versions(&self, name: &ModelName) -> Result<Vec<ModelVersion>> {
        let mut conn = self.store.pool().acquire().await.map_err(map_sqlx)?;
        let id = model_id_of(&mut conn, name).await?;
        let mut vs = load_versions(&mut conn, name, id, Which::All).await?;
        vs.reverse();
        Ok(vs)
    }

    /// Moves a version to `to`, archiving what the rules say in the same transaction; one
    /// audit event records the move and everything archived with it.
    pub async fn transition_stage(
        &self,
        actor: &Actor,
        name: &ModelName,
        version: Version,
        to: Stage,
        archive_existing: bool,
    ) -> Result<Transition> {
        let mut tx = self.store.begin_write().await?;
        let m = lock_model(&mut tx, name).await?;
        let rows = sqlx::query("SELECT version, stage FROM model_versions WHERE model_id = $1")
            .bind(m.id)
            .fetch_all(tx.conn())
            .await
            .map_err(map_sqlx)?;
        let mut others = Vec::with_capacity(rows.len());
        for r in &rows {
            others.push((
                Version::new(rows::i(r, "version")?)?,
                rows::parsed(rows::s(r, "stage")?.parse::<Stage>(), "stage")?,
            ));
        }
        let from = others
            .iter()
            .find(|(v, _)| *v == version)
            .map(|(_, s)| *s)
            .ok_or_else(|| version_not_found(name, version))?;
        let archived =
            versions_to_archive(version, to, archive_existing, m.single_production, &others);
        let now = now_millis();
        // Archive first: the partial unique index must never see two Production rows.
        for v in &archived {
            set_stage(&mut tx, m.id, *v, Stage::Archived, now).await?;
        }
        set_stage(&mut tx, m.id, version, to, now).await?;
        sqlx::query("UPDATE registered_models SET last_updated_time = $1 WHERE id = $2")
            .bind(now)
            .bind(m.id)
            .execute(tx.conn())
            .await
            .map_err(map_sqlx)?;
        let b = json(&serde_json::json!({"stage": from}));
        let a = json(&serde_json::json!({"stage": to, "archived": archived}));
        tx.audit(
            actor.name(),
            "model_version.transition",
            subject(name, version),
            b,
            a,
        )
        .await?;
        tx.commit().await?;
        Ok(Transition {
            version: self.get_model_version(name, version).await?,
            archived,
        })
    }

    pub async fn update_model_version(
        &self,
        actor: &Actor,
        name: &ModelName,
        version: Version,
        description: String,
    ) -> Result<ModelVersion> {
        let before = self.get_model_version(name, version).await?;
        let mut tx = self.store.begin_write().await?;
        let m = lock_model(&mut tx, name).await?;
        sqlx::query("UPDATE model_versions SET description = $1, last_updated_time = $2 WHERE model_id = $3 AND version = $4")
            .bind(description.clone())
            .bind(now_millis())
            .bind(m.id)
            .bind(version.get())
            .execute(tx.conn())
            .await
            .map_err(map_sqlx)?;
        tx.audit(
            actor.name(),
            "model_version.update",
            subject(name, version),
            json(&before.description),
            json(&description),
        )
        .await?;
        tx.commit().await?;
        self.get_model_version(name, version).await
    }

    pub async fn delete_model_version(
        &self,
        actor: &Actor,
        name: &ModelName,
        version: Version,
    ) -> Result<()> {
        let before = self.get_model_version(name, version).await?;
        let mut tx = self.store.begin_write().await?;
        let m = lock_model(&mut tx, name).await?;
        version_id(&mut tx, m.id, name, version).await?;
        for sql in [
            "DELETE FROM registered_model_aliases WHERE model_id = $1 AND version = $2",
            "DELETE FROM model_version_tags WHERE version_id IN (SELECT id FROM model_versions WHERE model_id = $1 AND version = $2)",
            "DELETE FROM model_versions WHERE model_id = $1 AND version = $2",
        ] {
            sqlx::query(sql).bind(m.id).bind(version.get()).execute(tx.conn()).await.map_err(map_sqlx)?;
        }
        let b = json(
            &serde_json::json!({"stage": before.stage, "source": before.source, "aliases": before.aliases}),
        );
        tx.audit(
            actor.name(),
            "model_version.delete",
            subject(name, version),
            b,
            "null".into(),
        )
        .await?;
        tx.commit().await
    }

    pub async fn set_model_version_tag(
        &self,
        actor: &Actor,
        name: &ModelName,
        version: Version,
        tag: Tag,
    ) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let m = lock_model(&mut tx, name).await?;
        let vid = version_id(&mut tx, m.id, name, version).await?;
        KvTable::ModelVersionTags
            .upsert(tx.conn(), KvOwner::Int(vid), &tag)
            .await?;
        tx.audit(
            actor.name(),
            "model_version.set_tag",
            subject(name, version),
            "null".into(),
            json(&tag),
        )
        .await?;
        tx.commit().await
    }

    pub async fn delete_model_version_tag(
        &self,
        actor: &Actor,
        name: &ModelName,
        version: Version,
        key: &str,
    ) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        let m = lock_model(&mut tx, name).await?;
        let vid = version_id(&mut tx, m.id, name, version).await?;
        if !KvTable::ModelVersionTags
            .delete(tx.conn(), KvOwner::Int(vid), key)
            .await?
        {
            return Err(Error::NotFound(format!(
                "No tag with name: {key} in model version {name}/{version}"
            )));
        }
        tx.audit(
            actor.name(),
            "model_version.delete_tag",
            subject(name, version),
            json(&key),
            "null".into(),
        )
        .await?;
        tx.commit().await
    }
}

async fn set_stage(
    tx: &mut WriteTx,
    model_id: i64,
    v: Version,
    stage: Stage,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE model_versions SET stage = $1, last_updated_time = $2 WHERE model_id = $3 AND version = $4")
        .bind(stage.as_str())
        .bind(now)
        .bind(model_id)
        .bind(v.get())
        .execute(tx.conn())
        .await
        .map_err(|e| match map_sqlx(e) {
            Error::AlreadyExists(_) => Error::FailedPrecondition("another version is already in Production".into()),
            other => other,
        })?;
    Ok(())
}

async fn version_id(tx: &mut WriteTx, model_id: i64, name: &ModelName, v: Version) -> Result<i64> {
    let row = sqlx::query("SELECT id FROM model_versions WHERE model_id = $1 AND version = $2")
        .bind(model_id)
        .bind(v.get())
        .fetch_optional(tx.conn())
        .await
        .map_err(map_sqlx)?
        .ok_or_else(|| version_not_found(name, v))?;
    rows::i(&row, "id")
}

async fn model_id_of(conn: &mut AnyConnection, name: &ModelName) -> Result<i64> {
    let row = sqlx::query("SELECT id FROM registered_models WHERE name = $1")
        .bind(name.as_str().to_string())
        .fetch_optional(conn)
        .await
        .map_err(map_sqlx)?
        .ok_or_else(|| not_found(name))?;
    rows::i(&row, "id")
}

/// Which versions of a model to load.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Which {
    All,
    One(Version),
    /// The newest version in each stage (MLflow's `latest_versions`).
    LatestPerStage,
    /// A page of versions, newest first.
    NewestPage {
        offset: i64,
        limit: i64,
    },
}

/// Loads versions (oldest first) with their tags and aliases in three queries, grouped in
/// memory by id.
pub(crate) async fn load_versions(
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
    };
    let vsql = format!(
        "SELECT * FROM model_versions v WHERE v.model_id = $1 AND {cond} ORDER BY v.version"
    );
    let tsql = format!(
        "SELECT t.version_id, t.key, t.value FROM model_version_tags t JOIN model_versions v ON v.id = t.version_id \
         WHERE v.model_id = $1 AND {cond} ORDER BY t.key"
    );
    let mut vq = sqlx::query(sqlx::AssertSqlSafe(vsql)).bind(model_id);
    let mut tq = sqlx::query(sqlx::AssertSqlSafe(tsql)).bind(model_id);
    for x in &extra {
        vq = vq.bind(*x);
        tq = tq.bind(*x);
    }
    let vrows = vq.fetch_all(&mut *conn).await.map_err(map_sqlx)?;
    if vrows.is_empty() {
        return Ok(Vec::new());
    }
    let trows = tq.fetch_all(&mut *conn).await.map_err(map_sqlx)?;
    let arows = sqlx::query(
        "SELECT alias, version FROM registered_model_aliases WHERE model_id = $1 ORDER BY alias",
    )
    .bind(model_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(map_sqlx)?;
    let mut tags_by_id: std::collections::HashMap<i64, Vec<Tag>> = std::collections::HashMap::new();
    for t in &trows {
        let tag = Tag {
            key: rows::parsed(crate::names::Key::parse(rows::s(t, "key")?), "key")?,
            value: rows::s(t, "value")?,
        };
        tags_by_id
            .entry(rows::i(t, "version_id")?)
            .or_default()
            .push(tag);
    }
    let mut aliases_by_version: std::collections::HashMap<i64, Vec<AliasName>> =
        std::collections::HashMap::new();
    for a in &arows {
        aliases_by_version
            .entry(rows::i(a, "version")?)
            .or_default()
            .push(rows::parsed(
                AliasName::parse(rows::s(a, "alias")?),
                "alias",
            )?);
    }
    let mut out = Vec::with_capacity(vrows.len());
    for r in &vrows {
        let id = rows::i(r, "id")?;
        let version = rows::i(r, "version")?;
        let tags = tags_by_id.remove(&id).unwrap_or_default();
        let aliases = aliases_by_version.remove(&version).unwrap_or_default();
        out.push(version_from_row(r, name, tags, aliases)?);
    }
    Ok(out)
}

/// A `model_versions` row as a domain value, with its tags and aliases loaded elsewhere.
pub(crate) fn version_from_row(
    r: &sqlx::any::AnyRow,
    name: &ModelName,
    tags: Vec<Tag>,
    aliases: Vec<AliasName>,
) -> Result<ModelVersion> {
    Ok(ModelVersion {
        name: name.clone(),
        version: Version::new(rows::i(r, "version")?)?,
        source: rows::s(r, "source")?,
        run_id: rows::os(r, "run_id")?
            .map(RunId::parse)
            .transpose()
            .map_err(|e| Error::Internal(e.to_string()))?,
        run_link: rows::s(r, "run_link")?,
        logged_model_id: rows::os(r, "logged_model_id")?
            .map(LoggedModelId::parse)
            .transpose()
            .map_err(|e| Error::Internal(e.to_string()))?,
        status: VersionStatus::parse(&rows::s(r, "status")?)
            .ok_or_else(|| Error::Internal("stored version status is invalid".into()))?,
        stage: rows::parsed(rows::s(r, "stage")?.parse::<Stage>(), "stage")?,
        description: rows::s(r, "description")?,
        user_id: rows::s(r, "user_id")?,
        creation_time: rows::i(r, "creation_time")?,
        last_updated_time: rows::i(r, "last_updated_time")?,
        tags,
        aliases,
    })
}
