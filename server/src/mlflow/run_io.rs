//! What a run consumed and produced: `runs/log-inputs` (datasets and MLflow 3 model
//! inputs), `runs/outputs` (the MLflow 3 models it logged) and MLflow 2's `runs/log-model`
//! history tag.
use super::error::{ApiError, ApiResult};
use super::experiments::{parse_tags, KeyValue};
use super::extract::{de, required, Body};
use super::runs::run_id;
use super::Ctx;
use crate::shell::permission::Routes;
use axum::extract::State;
use axum::{Extension, Json};
use pedigree_core::access::Need;
use pedigree_core::run::{Dataset, DatasetInput};
use pedigree_core::user::Actor;
use pedigree_core::LoggedModelId;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Routes {
    Routes::new()
        .post("/runs/log-inputs", Need::CONTRIBUTOR, log_inputs)
        .post("/runs/log-model", Need::CONTRIBUTOR, log_model)
        .post("/runs/outputs", Need::CONTRIBUTOR, outputs)
}

#[derive(Deserialize)]
struct DatasetIn {
    name: Option<String>,
    digest: Option<String>,
    source_type: Option<String>,
    source: Option<String>,
    schema: Option<String>,
    profile: Option<String>,
}

#[derive(Deserialize)]
struct InputIn {
    #[serde(default)]
    tags: Vec<KeyValue>,
    dataset: Option<DatasetIn>,
}

#[derive(Deserialize)]
struct ModelInputIn {
    model_id: Option<String>,
}

#[derive(Deserialize)]
struct LogInputs {
    run_id: Option<String>,
    run_uuid: Option<String>,
    #[serde(default)]
    datasets: Vec<InputIn>,
    /// MLflow 3: the logged models the run consumed.
    #[serde(default)]
    models: Vec<ModelInputIn>,
}

async fn log_inputs(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<LogInputs>,
) -> ApiResult<Json<Value>> {
    let run = run_id(b.run_id, b.run_uuid)?;
    let mut inputs = Vec::with_capacity(b.datasets.len());
    for i in b.datasets {
        let d = required(i.dataset, "dataset")?;
        inputs.push(DatasetInput {
            dataset: Dataset {
                name: required(d.name, "name")?,
                digest: required(d.digest, "digest")?,
                source_type: d.source_type.unwrap_or_default(),
                source: d.source.unwrap_or_default(),
                schema: d.schema,
                profile: d.profile,
            },
            tags: parse_tags(i.tags)?,
        });
    }
    let models = b
        .models
        .into_iter()
        .map(|m| Ok(LoggedModelId::parse(required(m.model_id, "model_id")?)?))
        .collect::<ApiResult<Vec<_>>>()?;
    ctx.reg.log_inputs(&actor, &run, &inputs, &models).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct LogModel {
    run_id: Option<String>,
    run_uuid: Option<String>,
    model_json: Option<String>,
}

/// MLflow 2 clients record logged-model metadata in the `mlflow.log-model.history` run tag.
async fn log_model(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<LogModel>,
) -> ApiResult<Json<Value>> {
    let run = run_id(b.run_id, b.run_uuid)?;
    let model_json = required(b.model_json, "model_json")?;
    let parsed: Value = serde_json::from_str(&model_json)
        .map_err(|e| ApiError::invalid(format!("model_json is not valid JSON: {e}")))?;
    ctx.reg
        .append_log_model_history(&actor, &run, parsed)
        .await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct OutputIn {
    model_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    step: Option<i64>,
}

#[derive(Deserialize)]
struct Outputs {
    run_id: Option<String>,
    run_uuid: Option<String>,
    #[serde(default)]
    models: Vec<OutputIn>,
}

async fn outputs(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Outputs>,
) -> ApiResult<Json<Value>> {
    let run = run_id(b.run_id, b.run_uuid)?;
    let models = b
        .models
        .into_iter()
        .map(|m| {
            Ok((
                LoggedModelId::parse(required(m.model_id, "model_id")?)?,
                m.step.unwrap_or(0),
            ))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    ctx.reg.log_run_outputs(&actor, &run, &models).await?;
    Ok(Json(json!({})))
}
