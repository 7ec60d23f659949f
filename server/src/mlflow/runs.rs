//! `/api/2.0/mlflow/runs/*` and `metrics/get-history`; a run's inputs, outputs and MLflow 2
//! logged-model history are `run_io`'s.
use super::error::{ApiError, ApiResult};
use super::experiments::{parse_params, parse_tags, view_type, KeyValue};
use super::extract::{de, required, Body, QueryMap};
use super::search::SearchArgs;
use super::{wire, Ctx};
use crate::shell::permission::Routes;
use axum::extract::State;
use axum::{Extension, Json};
use pedigree_core::access::Need;
use pedigree_core::run::{Metric, RunStatus};
use pedigree_core::service::runs::NewRun;
use pedigree_core::time::now_millis;
use pedigree_core::user::Actor;
use pedigree_core::{ExperimentId, Key, LoggedModelId, RunId, Tag};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Routes {
    Routes::new()
        .post("/runs/create", Need::CONTRIBUTOR, create)
        .get("/runs/get", Need::VIEWER, get_one)
        .post("/runs/update", Need::CONTRIBUTOR, update)
        .post("/runs/delete", Need::CONTRIBUTOR, delete)
        .post("/runs/restore", Need::CONTRIBUTOR, restore)
        .post("/runs/search", Need::VIEWER, search)
        .post("/runs/log-metric", Need::CONTRIBUTOR, log_metric)
        .post("/runs/log-parameter", Need::CONTRIBUTOR, log_param)
        .post("/runs/set-tag", Need::CONTRIBUTOR, set_tag)
        .post("/runs/delete-tag", Need::CONTRIBUTOR, delete_tag)
        .post("/runs/log-batch", Need::CONTRIBUTOR, log_batch)
        .get("/metrics/get-history", Need::VIEWER, history)
        .merge(super::run_io::routes())
}

/// MLflow clients send both `run_id` and the legacy `run_uuid`: accept either. Bodies
/// carry the two as plain fields (never flattened, which would hide a mistyped field's
/// name from the error message).
#[derive(Deserialize, Default)]
pub(super) struct RunRef {
    run_id: Option<String>,
    run_uuid: Option<String>,
}

impl RunRef {
    pub(super) fn id(self) -> ApiResult<RunId> {
        run_id(self.run_id, self.run_uuid)
    }
}

/// The run a request names by `run_id` or the legacy `run_uuid`.
pub(super) fn run_id(run_id: Option<String>, run_uuid: Option<String>) -> ApiResult<RunId> {
    let raw = required(
        run_id
            .filter(|s| !s.is_empty())
            .or(run_uuid.filter(|s| !s.is_empty())),
        "run_id",
    )?;
    // A malformed id names no run: "not found", as MLflow says.
    RunId::parse(raw.as_str()).map_err(|_| {
        ApiError(pedigree_core::Error::not_found(
            pedigree_core::Entity::Run,
            raw.as_str(),
            format!("Run with id={raw} not found"),
        ))
    })
}

fn query_run(q: &QueryMap) -> ApiResult<RunId> {
    run_id(
        q.get("run_id").map(str::to_string),
        q.get("run_uuid").map(str::to_string),
    )
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
    user_id: Option<String>,
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
                user_id: b.user_id,
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
    run_id: Option<String>,
    run_uuid: Option<String>,
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
        .update_run(
            &actor,
            &run_id(b.run_id, b.run_uuid)?,
            status,
            b.end_time,
            b.run_name,
        )
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

/// A metric point; `log-metric` sends the run beside it, `log-batch` entries do not.
#[derive(Deserialize)]
struct MetricIn {
    run_id: Option<String>,
    run_uuid: Option<String>,
    key: Option<String>,
    #[serde(default, deserialize_with = "de::opt_f64")]
    value: Option<f64>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    timestamp: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    step: Option<i64>,
    model_id: Option<String>,
    dataset_name: Option<String>,
    dataset_digest: Option<String>,
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
            dataset_name: self.dataset_name.filter(|s| !s.is_empty()),
            dataset_digest: self.dataset_digest.filter(|s| !s.is_empty()),
        })
    }
}

async fn log_metric(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(mut b): Body<MetricIn>,
) -> ApiResult<Json<Value>> {
    let run = run_id(b.run_id.take(), b.run_uuid.take())?;
    ctx.reg
        .log_batch(&actor, &run, &[b.parse()?], &[], &[])
        .await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct KeyValueFor {
    run_id: Option<String>,
    run_uuid: Option<String>,
    key: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    value: Option<String>,
}

async fn log_param(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<KeyValueFor>,
) -> ApiResult<Json<Value>> {
    let run = run_id(b.run_id, b.run_uuid)?;
    let p = Tag::param(required(b.key, "key")?, required(b.value, "value")?)?;
    ctx.reg.log_batch(&actor, &run, &[], &[p], &[]).await?;
    Ok(Json(json!({})))
}

/// A run tag: its value must be a string, as MLflow checks (params take numbers too).
#[derive(Deserialize)]
struct TagFor {
    run_id: Option<String>,
    run_uuid: Option<String>,
    key: Option<String>,
    value: Option<String>,
}

async fn set_tag(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<TagFor>,
) -> ApiResult<Json<Value>> {
    let run = run_id(b.run_id, b.run_uuid)?;
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
    Body(b): Body<TagFor>,
) -> ApiResult<Json<Value>> {
    let run = run_id(b.run_id, b.run_uuid)?;
    ctx.reg
        .delete_run_tag(&actor, &run, &required(b.key, "key")?)
        .await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct LogBatch {
    run_id: Option<String>,
    run_uuid: Option<String>,
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
    let run = run_id(b.run_id, b.run_uuid)?;
    // A batch's points carry their own time, as MLflow requires.
    if let Some(i) = b.metrics.iter().position(|m| m.timestamp.is_none()) {
        return Err(ApiError::invalid(format!(
            "Missing value for required parameter 'metrics[{i}].timestamp'. See the API docs for more information about request parameters."
        )));
    }
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
