//! `/api/2.0/mlflow/runs/*` and `metrics/get-history`.
use super::error::{ApiError, ApiResult};
use super::experiments::{parse_params, parse_tags, view_type, KeyValue};
use super::extract::{de, required, Body, QueryMap};
use super::search::SearchArgs;
use super::{wire, Ctx};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use pedigree_core::run::{Dataset, DatasetInput, Metric, RunStatus};
use pedigree_core::service::runs::NewRun;
use pedigree_core::time::now_millis;
use pedigree_core::user::Actor;
use pedigree_core::{ExperimentId, Key, LoggedModelId, RunId, Tag};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<Ctx> {
    Router::new()
        .route("/runs/create", post(create))
        .route("/runs/get", get(get_one))
        .route("/runs/update", post(update))
        .route("/runs/delete", post(delete))
        .route("/runs/restore", post(restore))
        .route("/runs/search", post(search))
        .route("/runs/log-metric", post(log_metric))
        .route("/runs/log-parameter", post(log_param))
        .route("/runs/set-tag", post(set_tag))
        .route("/runs/delete-tag", post(delete_tag))
        .route("/runs/log-batch", post(log_batch))
        .route("/runs/log-inputs", post(log_inputs))
        .route("/runs/log-model", post(log_model))
        .route("/runs/outputs", post(outputs))
        .route("/metrics/get-history", get(history))
}

/// MLflow clients send both `run_id` and the legacy `run_uuid`: accept either.
#[derive(Deserialize, Default)]
struct RunRef {
    run_id: Option<String>,
    run_uuid: Option<String>,
}

impl RunRef {
    fn id(self) -> ApiResult<RunId> {
        let raw = self
            .run_id
            .filter(|s| !s.is_empty())
            .or(self.run_uuid.filter(|s| !s.is_empty()));
        Ok(RunId::parse(required(raw, "run_id")?)?)
    }
}

fn query_run(q: &QueryMap) -> ApiResult<RunId> {
    RunRef {
        run_id: q.get("run_id").map(str::to_string),
        run_uuid: q.get("run_uuid").map(str::to_string),
    }
    .id()
}

#[derive(Deserialize)]
struct Create {
    #[serde(default, deserialize_with = "de::opt_string")]
    experiment_id: Option<String>,
    run_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    start_time: Option<i64>,
    #[serde(default)]
    tags: Vec<KeyValue>,
}

async fn create(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Create>,
) -> ApiResult<Json<Value>> {
    let experiment_id = b
        .experiment_id
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<ExperimentId>())
        .transpose()?;
    let run = ctx
        .reg
        .create_run(
            &actor,
            NewRun {
                experiment_id,
                run_name: b.run_name,
                start_time: b.start_time,
                tags: parse_tags(b.tags)?,
            },
        )
        .await?;
    Ok(Json(json!({"run": wire::run(&run)})))
}

async fn get_one(State(ctx): State<Ctx>, q: QueryMap) -> ApiResult<Json<Value>> {
    let run = ctx.reg.get_run(&query_run(&q)?).await?;
    Ok(Json(json!({"run": wire::run(&run)})))
}

#[derive(Deserialize)]
struct Update {
    #[serde(flatten)]
    run: RunRef,
    status: Option<String>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    end_time: Option<i64>,
    run_name: Option<String>,
}

async fn update(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Update>,
) -> ApiResult<Json<Value>> {
    let status = b
        .status
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<RunStatus>())
        .transpose()?;
    let info = ctx
        .reg
        .update_run(&actor, &b.run.id()?, status, b.end_time, b.run_name)
        .await?;
    Ok(Json(json!({"run_info": wire::run_info(&info)})))
}

async fn delete(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<RunRef>,
) -> ApiResult<Json<Value>> {
    ctx.reg.delete_run(&actor, &b.id()?).await?;
    Ok(Json(json!({})))
}

async fn restore(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<RunRef>,
) -> ApiResult<Json<Value>> {
    ctx.reg.restore_run(&actor, &b.id()?).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct Search {
    #[serde(default)]
    experiment_ids: Vec<String>,
    filter: Option<String>,
    run_view_type: Option<String>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    max_results: Option<i64>,
    #[serde(default)]
    order_by: Vec<String>,
    page_token: Option<String>,
}

async fn search(State(ctx): State<Ctx>, Body(b): Body<Search>) -> ApiResult<Json<Value>> {
    if b.experiment_ids.len() > 100 {
        return Err(ApiError::invalid(
            "At most 100 experiment_ids may be searched at once",
        ));
    }
    let ids = b
        .experiment_ids
        .iter()
        .map(|s| s.parse::<ExperimentId>())
        .collect::<Result<Vec<_>, _>>()?;
    let view = view_type(b.run_view_type.as_deref())?;
    let order = b.order_by;
    let args = SearchArgs {
        filter: b.filter.unwrap_or_default(),
        order_by: order,
        max_results: b.max_results,
        page_token: b.page_token,
        default_max: 1000,
        cap: 50_000,
    };
    let (items, next) = ctx.reg.search_runs(&ids, view, args).await?;
    Ok(super::search::response(
        "runs",
        items.iter().map(wire::run).collect(),
        next,
    ))
}

#[derive(Deserialize)]
struct MetricIn {
    key: Option<String>,
    #[serde(default, deserialize_with = "de::opt_f64")]
    value: Option<f64>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    timestamp: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    step: Option<i64>,
    model_id: Option<String>,
}

impl MetricIn {
    fn parse(self) -> ApiResult<Metric> {
        Ok(Metric {
            key: Key::parse(required(self.key, "key")?)?,
            value: required(self.value, "value")?,
            timestamp: self.timestamp.unwrap_or_else(now_millis),
            step: self.step.unwrap_or(0),
            model_id: self
                .model_id
                .filter(|s| !s.is_empty())
                .map(LoggedModelId::parse)
                .transpose()?,
        })
    }
}

#[derive(Deserialize)]
struct LogMetric {
    #[serde(flatten)]
    run: RunRef,
    #[serde(flatten)]
    metric: MetricIn,
}

async fn log_metric(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<LogMetric>,
) -> ApiResult<Json<Value>> {
    let run = b.run.id()?;
    ctx.reg
        .log_batch(&actor, &run, &[b.metric.parse()?], &[], &[])
        .await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct KeyValueFor {
    #[serde(flatten)]
    run: RunRef,
    key: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    value: Option<String>,
}

async fn log_param(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<KeyValueFor>,
) -> ApiResult<Json<Value>> {
    let run = b.run.id()?;
    let p = Tag::param(required(b.key, "key")?, required(b.value, "value")?)?;
    ctx.reg.log_batch(&actor, &run, &[], &[p], &[]).await?;
    Ok(Json(json!({})))
}

async fn set_tag(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<KeyValueFor>,
) -> ApiResult<Json<Value>> {
    let run = b.run.id()?;
    ctx.reg
        .set_run_tag(
            &actor,
            &run,
            Tag::parse(required(b.key, "key")?, b.value.unwrap_or_default())?,
        )
        .await?;
    Ok(Json(json!({})))
}

async fn delete_tag(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<KeyValueFor>,
) -> ApiResult<Json<Value>> {
    let run = b.run.id()?;
    ctx.reg
        .delete_run_tag(&actor, &run, &required(b.key, "key")?)
        .await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct LogBatch {
    #[serde(flatten)]
    run: RunRef,
    #[serde(default)]
    metrics: Vec<MetricIn>,
    #[serde(default)]
    params: Vec<KeyValue>,
    #[serde(default)]
    tags: Vec<KeyValue>,
}

async fn log_batch(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<LogBatch>,
) -> ApiResult<Json<Value>> {
    let run = b.run.id()?;
    let metrics = b
        .metrics
        .into_iter()
        .map(MetricIn::parse)
        .collect::<ApiResult<Vec<_>>>()?;
    let params = parse_params(b.params)?;
    ctx.reg
        .log_batch(&actor, &run, &metrics, &params, &parse_tags(b.tags)?)
        .await?;
    Ok(Json(json!({})))
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
struct LogInputs {
    #[serde(flatten)]
    run: RunRef,
    #[serde(default)]
    datasets: Vec<InputIn>,
}

async fn log_inputs(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<LogInputs>,
) -> ApiResult<Json<Value>> {
    let run = b.run.id()?;
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
    ctx.reg.log_inputs(&actor, &run, &inputs).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct LogModel {
    #[serde(flatten)]
    run: RunRef,
    model_json: Option<String>,
}

/// MLflow 2 clients record logged-model metadata in the `mlflow.log-model.history` run tag.
async fn log_model(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<LogModel>,
) -> ApiResult<Json<Value>> {
    let run = b.run.id()?;
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
    #[serde(flatten)]
    run: RunRef,
    #[serde(default)]
    models: Vec<OutputIn>,
}

async fn outputs(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Outputs>,
) -> ApiResult<Json<Value>> {
    let run = b.run.id()?;
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

async fn history(State(ctx): State<Ctx>, q: QueryMap) -> ApiResult<Json<Value>> {
    let run = query_run(&q)?;
    let key = Key::parse(q.required("metric_key")?)?;
    let max = q.int("max_results")?.unwrap_or(25_000).clamp(1, 25_000) as usize;
    let offset = pedigree_core::service::parse_page_token(q.get("page_token"))? as usize;
    let all = ctx.reg.metric_history(&run, &key).await?;
    let more = all.len() > offset + max;
    let items: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(max)
        .map(wire::metric)
        .collect();
    let mut out = json!({});
    if !items.is_empty() {
        out["metrics"] = Value::Array(items);
    }
    if let Some(t) = pedigree_core::service::next_page_token(
        offset as i64,
        max.min(all.len().saturating_sub(offset)),
        more,
    ) {
        out["next_page_token"] = json!(t);
    }
    Ok(Json(out))
}
