//! `/api/2.0/mlflow/logged-models*`: MLflow 3 logged models.
use super::error::{ApiError, ApiResult};
use super::experiments::{parse_params, parse_tags, KeyValue};
use super::extract::{de, required, Body};
use super::search::{page, SearchArgs};
use super::{wire, Ctx};
use crate::shell::permission::Routes;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use pedigree_core::access::Need;
use pedigree_core::logged_model::LoggedModelStatus;
use pedigree_core::search::Entity;
use pedigree_core::service::logged_models::NewLoggedModel;
use pedigree_core::user::Actor;
use pedigree_core::{ExperimentId, LoggedModelId};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Routes {
    Routes::new()
        .post("/logged-models", Need::CONTRIBUTOR, create)
        .post("/logged-models/search", Need::VIEWER, search)
        .patch("/logged-models/{model_id}", Need::CONTRIBUTOR, finalize)
        .get("/logged-models/{model_id}", Need::VIEWER, get_one)
        .delete("/logged-models/{model_id}", Need::CONTRIBUTOR, remove)
        .patch(
            "/logged-models/{model_id}/tags",
            Need::CONTRIBUTOR,
            set_tags,
        )
        .post(
            "/logged-models/{model_id}/params",
            Need::CONTRIBUTOR,
            log_params,
        )
        .delete(
            "/logged-models/{model_id}/tags/{key}",
            Need::CONTRIBUTOR,
            delete_tag,
        )
}

#[derive(Deserialize)]
struct Create {
    #[serde(default, deserialize_with = "de::opt_string")]
    experiment_id: Option<String>,
    name: Option<String>,
    source_run_id: Option<String>,
    model_type: Option<String>,
    #[serde(default)]
    params: Vec<KeyValue>,
    #[serde(default)]
    tags: Vec<KeyValue>,
}

/// A logged model id from the path. A malformed id names no model, so it is "not found"
/// in MLflow's words.
fn model_id(raw: String) -> ApiResult<LoggedModelId> {
    LoggedModelId::parse(raw.as_str()).map_err(|_| {
        ApiError(pedigree_core::Error::not_found(
            pedigree_core::Entity::LoggedModel,
            raw.as_str(),
            format!("Logged model with ID '{raw}' not found."),
        ))
    })
}

async fn view(ctx: &Ctx, id: &LoggedModelId) -> ApiResult<Value> {
    let m = ctx.reg.get_logged_model(id).await?;
    let metrics = ctx.reg.logged_model_metrics(id).await?;
    Ok(json!({"model": wire::logged_model(&m, &metrics)}))
}

async fn create(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Create>,
) -> ApiResult<Json<Value>> {
    let params = parse_params(b.params)?;
    let new = NewLoggedModel {
        experiment_id: required(b.experiment_id, "experiment_id")?.parse::<ExperimentId>()?,
        name: b.name.unwrap_or_default(),
        // A run tracked here, or kept as an external run reference (the service decides).
        source_run_id: b.source_run_id.filter(|s| !s.is_empty()),
        model_type: b.model_type.filter(|s| !s.is_empty()),
        params,
        tags: parse_tags(b.tags)?,
    };
    let m = ctx.reg.create_logged_model(&actor, new).await?;
    Ok(Json(view(&ctx, &m.model_id).await?))
}

async fn get_one(State(ctx): State<Ctx>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(view(&ctx, &model_id(id)?).await?))
}

#[derive(Deserialize)]
struct Finalize {
    status: Option<String>,
}

async fn finalize(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    Body(b): Body<Finalize>,
) -> ApiResult<Json<Value>> {
    let id = model_id(id)?;
    let raw = required(b.status, "status")?;
    let status = LoggedModelStatus::parse(&raw)
        .ok_or_else(|| ApiError::invalid(format!("Invalid logged model status '{raw}'")))?;
    ctx.reg.finalize_logged_model(&actor, &id, status).await?;
    Ok(Json(view(&ctx, &id).await?))
}

async fn remove(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    ctx.reg.delete_logged_model(&actor, &model_id(id)?).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct LogParams {
    #[serde(default)]
    params: Vec<KeyValue>,
}

async fn log_params(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    Body(b): Body<LogParams>,
) -> ApiResult<Json<Value>> {
    ctx.reg
        .log_logged_model_params(&actor, &model_id(id)?, &parse_params(b.params)?)
        .await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct SetTags {
    #[serde(default)]
    tags: Vec<KeyValue>,
}

async fn set_tags(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    Body(b): Body<SetTags>,
) -> ApiResult<Json<Value>> {
    ctx.reg
        .set_logged_model_tags(&actor, &model_id(id)?, &parse_tags(b.tags)?)
        .await?;
    Ok(Json(json!({})))
}

async fn delete_tag(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Path((id, key)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    ctx.reg
        .delete_logged_model_tag(&actor, &model_id(id)?, &key)
        .await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct Search {
    #[serde(default)]
    experiment_ids: Vec<String>,
    filter: Option<String>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    max_results: Option<i64>,
    #[serde(default)]
    order_by: Vec<Value>,
    page_token: Option<String>,
    /// Only models with metric points on one of these datasets.
    #[serde(default)]
    datasets: Vec<DatasetFilter>,
}

#[derive(Deserialize)]
struct DatasetFilter {
    dataset_name: Option<String>,
    dataset_digest: Option<String>,
}

impl DatasetFilter {
    fn matches(&self, m: &pedigree_core::run::Metric) -> bool {
        m.dataset_name.is_some()
            && self
                .dataset_name
                .as_ref()
                .is_none_or(|n| m.dataset_name.as_ref() == Some(n))
            && self
                .dataset_digest
                .as_ref()
                .is_none_or(|d| m.dataset_digest.as_ref() == Some(d))
    }
}

async fn search(State(ctx): State<Ctx>, Body(b): Body<Search>) -> ApiResult<Json<Value>> {
    let ids = b
        .experiment_ids
        .iter()
        .map(|s| s.parse::<ExperimentId>())
        .collect::<Result<Vec<_>, _>>()?;
    let mut models = ctx.reg.logged_models_in(&ids).await?;
    if !b.datasets.is_empty() {
        let mut kept = Vec::with_capacity(models.len());
        for m in models {
            let points = ctx.reg.logged_model_metrics(&m.model_id).await?;
            if points
                .iter()
                .any(|(p, _)| b.datasets.iter().any(|d| d.matches(p)))
            {
                kept.push(m);
            }
        }
        models = kept;
    }
    // MLflow 3 sends order_by as objects ({field_name, ascending}); accept strings too.
    let order_by = b
        .order_by
        .iter()
        .map(|o| match o {
            Value::String(s) => Ok(s.clone()),
            Value::Object(m) => {
                let field = m
                    .get("field_name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| ApiError::invalid("order_by entries need a field_name"))?;
                let asc = m.get("ascending").and_then(Value::as_bool).unwrap_or(true);
                Ok(format!("{field} {}", if asc { "ASC" } else { "DESC" }))
            }
            _ => Err(ApiError::invalid(
                "order_by entries must be strings or objects",
            )),
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let args = SearchArgs {
        filter: b.filter.unwrap_or_default(),
        order_by,
        max_results: b.max_results,
        page_token: b.page_token,
        default_max: 100,
        cap: 10_000,
    };
    let (items, next) = page(models, Entity::LoggedModel, args)?;
    let mut list = Vec::with_capacity(items.len());
    for m in &items {
        list.push(wire::logged_model(
            m,
            &ctx.reg.logged_model_metrics(&m.model_id).await?,
        ));
    }
    Ok(super::search::response("models", list, next))
}
