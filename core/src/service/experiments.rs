//! Experiments: create, read, rename, delete/restore, tags.
use super::Registry;
use crate::error::{Error, Result};
use crate::experiment::{Experiment, LifecycleStage, ViewType};
use crate::names::{ExperimentId, ExperimentName, Tag};
use crate::store::rows::{self, json, KvOwner, KvTable};
use crate::store::{map_sqlx, or_exists};
use crate::time::now_millis;
use crate::user::Actor;
use sqlx::any::AnyRow;

fn subject(id: ExperimentId) -> String {
    format!("experiment:{id}")
}

impl Registry {
    pub async fn create_experiment(
        &self,
        actor: &Actor,
        name: ExperimentName,
        tags: Vec<Tag>,
    ) -> Result<ExperimentId> {
        let now = now_millis();
        let mut tx = self.store.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) \
             VALUES ($1, '', 'active', $2, $2) RETURNING id",
        )
        .bind(name.as_str().to_string())
        .bind(now)
        .fetch_one(tx.conn())
        .await
        .map_err(|e| or_exists(map_sqlx(e), || format!("Experiment '{name}' already exists.")))?;
        let id = ExperimentId::new(rows::i(&row, "id")?)?;
        // The artifact root is server-owned and derived from the id: never client-chosen.
        sqlx::query("UPDATE experiments SET artifact_location = $1 WHERE id = $2")
            .bind(format!("mlflow-artifacts:/{id}"))
            .bind(id.get())
            .execute(tx.conn())
            .await
            .map_err(map_sqlx)?;
        for t in &tags {
            KvTable::ExperimentTags
                .upsert(tx.conn(), KvOwner::Int(id.get()), t)
                .await?;
        }
        let after = json(&serde_json::json!({"name": name, "tags": tags}));
        tx.audit(
            actor.name(),
            "experiment.create",
            subject(id),
            "null".into(),
            after,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    fn experiment_from_row(row: &AnyRow, tags: Vec<Tag>) -> Result<Experiment> {
        Ok(Experiment {
            id: rows::parsed(ExperimentId::new(rows::i(row, "id")?), "experiment id")?,
            name: rows::parsed(
                ExperimentName::parse(rows::s(row, "name")?),
                "experiment name",
            )?,
            artifact_location: rows::s(row, "artifact_location")?,
            lifecycle_stage: LifecycleStage::parse(&rows::s(row, "lifecycle_stage")?)
                .ok_or_else(|| Error::Internal("stored lifecycle stage is invalid".into()))?,
            creation_time: rows::i(row, "creation_time")?,
            last_update_time: rows::i(row, "last_update_time")?,
            tags,
        })
    }

    pub async fn get_experiment(&self, id: ExperimentId) -> Result<Experiment> {
        let mut conn = self.store.pool().acquire().await.map_err(map_sqlx)?;
        let row = sqlx::query("SELECT * FROM experiments WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&mut *conn)
            .await
            .map_err(map_sqlx)?
            .ok_or_else(|| Error::NotFound(format!("No Experiment with id={id} exists")))?;
        let tags = KvTable::ExperimentTags
            .load(&mut conn, KvOwner::Int(id.get()))
            .await?;
        Self::experiment_from_row(&row, tags)
    }

    pub async fn get_experiment_by_name(&self, name: &str) -> Result<Experiment> {
        let row = sqlx::query("SELECT id FROM experiments WHERE name = $1")
            .bind(name.to_string())
            .fetch_optional(self.store.pool())
            .await
            .map_err(map_sqlx)?
            .ok_or_else(|| Error::NotFound(format!("Experiment '{name}' does not exist.")))?;
        self.get_experiment(ExperimentId::new(rows::i(&row, "id")?)?)
            .await
    }

    /// Experiments in a view, newest first, with offset paging.
    pub async fn list_experiments(
        &self,
        view: ViewType,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Experiment>, bool)> {
        // Two queries for any number of experiments: the rows, then every tag.
        let rows = sqlx::query("SELECT * FROM experiments ORDER BY creation_time DESC, id DESC")
            .fetch_all(self.store.pool())
            .await
            .map_err(map_sqlx)?;
        let tag_rows =
            sqlx::query("SELECT experiment_id, key, value FROM experiment_tags ORDER BY key")
                .fetch_all(self.store.pool())
                .await
                .map_err(map_sqlx)?;
        let mut tags: std::collections::HashMap<i64, Vec<Tag>> = std::collections::HashMap::new();
        for t in &tag_rows {
            tags.entry(rows::i(t, "experiment_id")?)
                .or_default()
                .push(Tag {
                    key: rows::parsed(crate::names::Key::parse(rows::s(t, "key")?), "key")?,
                    value: rows::s(t, "value")?,
                });
        }
        let mut out = Vec::new();
        let mut matched = 0i64;
        for r in &rows {
            let stage = LifecycleStage::parse(&rows::s(r, "lifecycle_stage")?)
                .unwrap_or(LifecycleStage::Active);
            if !view.includes(stage) {
                continue;
            }
            if matched >= offset && matched < offset.saturating_add(limit) {
                let id = rows::i(r, "id")?;
                out.push(Self::experiment_from_row(
                    r,
                    tags.remove(&id).unwrap_or_default(),
                )?);
            }
            matched += 1;
        }
        let more = matched > offset.saturating_add(limit);
        Ok((out, more))
    }

    async fn set_experiment_stage(
        &self,
        actor: &Actor,
        id: ExperimentId,
        to: LifecycleStage,
    ) -> Result<()> {
        let before = self.get_experiment(id).await?;
        if before.lifecycle_stage == to {
            return Err(Error::FailedPrecondition(format!(
                "Experiment {id} is already {}",
                to.as_str()
            )));
        }
        if id == ExperimentId::DEFAULT && to == LifecycleStage::Deleted {
            return Err(Error::invalid("Cannot delete the default experiment '0'."));
        }
        let mut tx = self.store.begin_write().await?;
        sqlx::query(
            "UPDATE experiments SET lifecycle_stage = $1, last_update_time = $2 WHERE id = $3",
        )
        .bind(to.as_str())
        .bind(now_millis())
        .bind(id.get())
        .execute(tx.conn())
        .await
        .map_err(map_sqlx)?;
        let action = if to == LifecycleStage::Deleted {
            "experiment.delete"
        } else {
            "experiment.restore"
        };
        tx.audit(
            actor.name(),
            action,
            subject(id),
            json(&before.lifecycle_stage),
            json(&to),
        )
        .await?;
        tx.commit().await
    }

    pub async fn delete_experiment(&self, actor: &Actor, id: ExperimentId) -> Result<()> {
        self.set_experiment_stage(actor, id, LifecycleStage::Deleted)
            .await
    }

    pub async fn restore_experiment(&self, actor: &Actor, id: ExperimentId) -> Result<()> {
        self.set_experiment_stage(actor, id, LifecycleStage::Active)
            .await
    }

    pub async fn rename_experiment(
        &self,
        actor: &Actor,
        id: ExperimentId,
        name: ExperimentName,
    ) -> Result<()> {
        let before = self.get_experiment(id).await?;
        let mut tx = self.store.begin_write().await?;
        sqlx::query("UPDATE experiments SET name = $1, last_update_time = $2 WHERE id = $3")
            .bind(name.as_str().to_string())
            .bind(now_millis())
            .bind(id.get())
            .execute(tx.conn())
            .await
            .map_err(|e| {
                or_exists(map_sqlx(e), || {
                    format!("Experiment '{name}' already exists.")
                })
            })?;
        tx.audit(
            actor.name(),
            "experiment.rename",
            subject(id),
            json(&before.name),
            json(&name),
        )
        .await?;
        tx.commit().await
    }

    pub async fn set_experiment_tag(
        &self,
        actor: &Actor,
        id: ExperimentId,
        tag: Tag,
    ) -> Result<()> {
        self.get_experiment(id).await?;
        let mut tx = self.store.begin_write().await?;
        KvTable::ExperimentTags
            .upsert(tx.conn(), KvOwner::Int(id.get()), &tag)
            .await?;
        tx.audit(
            actor.name(),
            "experiment.set_tag",
            subject(id),
            "null".into(),
            json(&tag),
        )
        .await?;
        tx.commit().await
    }

    pub async fn delete_experiment_tag(
        &self,
        actor: &Actor,
        id: ExperimentId,
        key: &str,
    ) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        if !KvTable::ExperimentTags
            .delete(tx.conn(), KvOwner::Int(id.get()), key)
            .await?
        {
            return Err(Error::NotFound(format!(
                "No tag with name: {key} in experiment {id}"
            )));
        }
        tx.audit(
            actor.name(),
            "experiment.delete_tag",
            subject(id),
            json(&key),
            "null".into(),
        )
        .await?;
        tx.commit().await
    }
}
