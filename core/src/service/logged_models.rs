//! MLflow 3 logged models: created pending by a run, then finalized.
use super::Registry;
use crate::error::{Error, Result};
use crate::logged_model::{LoggedModel, LoggedModelStatus};
use crate::names::{ExperimentId, LoggedModelId, RunId, Tag};
use crate::store::map_sqlx;
use crate::store::rows::{self, json, KvOwner, KvTable};
use crate::time::now_millis;
use crate::user::Actor;

fn subject(id: &LoggedModelId) -> String {
    format!("logged_model:{id}")
}

/// What a logged model is created with.
#[derive(Debug, Clone)]
pub struct NewLoggedModel {
    pub experiment_id: ExperimentId,
    pub name: String,
    pub source_run_id: Option<RunId>,
    pub model_type: Option<String>,
    pub params: Vec<Tag>,
    pub tags: Vec<Tag>,
}

impl Registry {
    pub async fn create_logged_model(
        &self,
        actor: &Actor,
        new: NewLoggedModel,
    ) -> Result<LoggedModel> {
        let exp = self.get_experiment(new.experiment_id).await?;
        let id = LoggedModelId::parse(format!("m-{}", uuid::Uuid::new_v4().simple()))?;
        let name = if new.name.is_empty() {
            "model".to_string()
        } else {
            new.name.clone()
        };
        let location = format!("{}/models/{id}/artifacts", exp.artifact_location);
        let now = now_millis();
        let mut tx = self.store.begin_write().await?;
        sqlx::query(
            "INSERT INTO logged_models (model_id, experiment_id, name, source_run_id, status, artifact_location, model_type, creation_time, last_updated_time) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(id.as_str().to_string())
        .bind(new.experiment_id.get())
        .bind(name.clone())
        .bind(new.source_run_id.as_ref().map(|r| r.as_str().to_string()))
        .bind(LoggedModelStatus::Pending.as_str())
        .bind(location)
        .bind(new.model_type.clone())
        .bind(now)
        .execute(tx.conn())
        .await
        .map_err(map_sqlx)?;
        for p in &new.params {
            KvTable::LoggedModelParams
                .upsert(tx.conn(), KvOwner::Text(id.as_str()), p)
                .await?;
        }
        for t in &new.tags {
            KvTable::LoggedModelTags
                .upsert(tx.conn(), KvOwner::Text(id.as_str()), t)
                .await?;
        }
        let after = json(
            &serde_json::json!({"name": name, "experiment_id": new.experiment_id, "source_run_id": new.source_run_id}),
        );
        tx.audit(
            actor.name(),
            "logged_model.create",
            subject(&id),
            "null".into(),
            after,
        )
        .await?;
        tx.commit().await?;
        self.get_logged_model(&id).await
    }

    pub async fn get_logged_model(&self, id: &LoggedModelId) -> Result<LoggedModel> {
        let mut conn = self.store.pool().acquire().await.map_err(map_sqlx)?;
        let r = sqlx::query(
            "SELECT * FROM logged_models WHERE model_id = $1 AND lifecycle_stage = 'active'",
        )
        .bind(id.as_str().to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_sqlx)?
        .ok_or_else(|| Error::NotFound(format!("Logged model with ID '{id}' not found.")))?;
        Ok(LoggedModel {
            model_id: id.clone(),
            experiment_id: ExperimentId::new(rows::i(&r, "experiment_id")?)?,
            name: rows::s(&r, "name")?,
            source_run_id: rows::os(&r, "source_run_id")?
                .map(RunId::parse)
                .transpose()
                .map_err(|e| Error::Internal(e.to_string()))?,
            status: LoggedModelStatus::parse(&rows::s(&r, "status")?)
                .ok_or_else(|| Error::Internal("stored model status is invalid".into()))?,
            artifact_location: rows::s(&r, "artifact_location")?,
            model_type: rows::os(&r, "model_type")?,
            creation_time: rows::i(&r, "creation_time")?,
            last_updated_time: rows::i(&r, "last_updated_time")?,
            params: KvTable::LoggedModelParams
                .load(&mut conn, KvOwner::Text(id.as_str()))
                .await?,
            tags: KvTable::LoggedModelTags
                .load(&mut conn, KvOwner::Text(id.as_str()))
                .await?,
        })
    }

    pub async fn finalize_logged_model(
        &self,
        actor: &Actor,
        id: &LoggedModelId,
        status: LoggedModelStatus,
    ) -> Result<LoggedModel> {
        let before = self.get_logged_model(id).await?;
        let mut tx = self.store.begin_write().await?;
        sqlx::query(
            "UPDATE logged_models SET status = $1, last_updated_time = $2 WHERE model_id = $3",
        )
        .bind(status.as_str())
        .bind(now_millis())
        .bind(id.as_str().to_string())
        .execute(tx.conn())
        .await
        .map_err(map_sqlx)?;
        tx.audit(
            actor.name(),
            "logged_model.finalize",
            subject(id),
            json(&before.status),
            json(&status),
        )
        .await?;
        tx.commit().await?;
        self.get_logged_model(id).await
    }

    pub async fn set_logged_model_tags(
        &self,
        actor: &Actor,
        id: &LoggedModelId,
        tags: &[Tag],
    ) -> Result<()> {
        self.get_logged_model(id).await?;
        let mut tx = self.store.begin_write().await?;
        for t in tags {
            KvTable::LoggedModelTags
                .upsert(tx.conn(), KvOwner::Text(id.as_str()), t)
                .await?;
        }
        tx.audit(
            actor.name(),
            "logged_model.set_tags",
            subject(id),
            "null".into(),
            json(&tags),
        )
        .await?;
        tx.commit().await
    }
}

impl Registry {
    /// Metric points recorded against a logged model, with the run that logged each.
    pub async fn logged_model_metrics(
        &self,
        id: &LoggedModelId,
    ) -> Result<Vec<(crate::run::Metric, String)>> {
        let rows = sqlx::query("SELECT run_id, key, value, is_nan, timestamp, step FROM metrics WHERE model_id = $1 ORDER BY key, step, timestamp")
            .bind(id.as_str().to_string())
            .fetch_all(self.store.pool())
            .await
            .map_err(map_sqlx)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let nan = rows::b(r, "is_nan")?;
            out.push((
                crate::run::Metric {
                    key: rows::parsed(crate::names::Key::parse(rows::s(r, "key")?), "key")?,
                    value: if nan {
                        f64::NAN
                    } else {
                        rows::of(r, "value")?.unwrap_or(f64::NAN)
                    },
                    timestamp: rows::i(r, "timestamp")?,
                    step: rows::i(r, "step")?,
                    model_id: Some(id.clone()),
                },
                rows::s(r, "run_id")?,
            ));
        }
        Ok(out)
    }

    pub async fn delete_logged_model(&self, actor: &Actor, id: &LoggedModelId) -> Result<()> {
        self.get_logged_model(id).await?;
        let mut tx = self.store.begin_write().await?;
        sqlx::query("UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_time = $1 WHERE model_id = $2")
            .bind(now_millis())
            .bind(id.as_str().to_string())
            .execute(tx.conn())
            .await
            .map_err(map_sqlx)?;
        tx.audit(
            actor.name(),
            "logged_model.delete",
            subject(id),
            "null".into(),
            "null".into(),
        )
        .await?;
        tx.commit().await
    }

    pub async fn delete_logged_model_tag(
        &self,
        actor: &Actor,
        id: &LoggedModelId,
        key: &str,
    ) -> Result<()> {
        self.get_logged_model(id).await?;
        let mut tx = self.store.begin_write().await?;
        if !KvTable::LoggedModelTags
            .delete(tx.conn(), KvOwner::Text(id.as_str()), key)
            .await?
        {
            return Err(Error::NotFound(format!(
                "No tag with key '{key}' on logged model {id}"
            )));
        }
        tx.audit(
            actor.name(),
            "logged_model.delete_tag",
            subject(id),
            json(&key),
            "null".into(),
        )
        .await?;
        tx.commit().await
    }

    /// Links a run to the logged models it produced (MLflow 3's `runs/outputs`).
    pub async fn log_run_outputs(
        &self,
        actor: &Actor,
        run: &RunId,
        models: &[(LoggedModelId, i64)],
    ) -> Result<()> {
        self.get_run(run).await?;
        let mut tx = self.store.begin_write().await?;
        for (id, step) in models {
            sqlx::query("INSERT INTO run_outputs (run_id, model_id, step) VALUES ($1, $2, $3) ON CONFLICT (run_id, model_id) DO UPDATE SET step = excluded.step")
                .bind(run.as_str().to_string())
                .bind(id.as_str().to_string())
                .bind(*step)
                .execute(tx.conn())
                .await
                .map_err(|e| match map_sqlx(e) {
                    Error::FailedPrecondition(_) => Error::NotFound(format!("Logged model with ID '{id}' not found.")),
                    other => other,
                })?;
        }
        let after = json(
            &models
                .iter()
                .map(|(m, s)| (m.as_str(), s))
                .collect::<Vec<_>>(),
        );
        tx.audit(
            actor.name(),
            "run.log_outputs",
            format!("run:{run}"),
            "null".into(),
            after,
        )
        .await?;
        tx.commit().await
    }

    /// Appends MLflow 2's logged-model metadata to the run's `mlflow.log-model.history` tag.
    pub async fn append_log_model_history(
        &self,
        actor: &Actor,
        run: &RunId,
        model: serde_json::Value,
    ) -> Result<()> {
        let current = self.get_run(run).await?;
        let mut history: Vec<serde_json::Value> = current
            .tag("mlflow.log-model.history")
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default();
        history.push(model);
        let tag = Tag::parse("mlflow.log-model.history", json(&history))?;
        self.set_run_tag(actor, run, tag).await
    }
}
