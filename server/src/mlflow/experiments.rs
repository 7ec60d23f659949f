//! `/api/2.0/mlflow/experiments/*`.
use super::error::{ApiError, ApiResult};
use super::extract::{de, required, Body, QueryMap};
use super::search::{page, SearchArgs};
use super::{wire, Ctx};
use crate::shell::permission::Routes;
use axum::extract::State;
use axum::{Extension, Json};
use pedigree_core::access::Need;
use pedigree_core::experiment::ViewType;
use pedigree_core::location::ExternalLocation;
use pedigree_core::search::Entity;
use pedigree_core::user::Actor;
use pedigree_core::{ExperimentId, ExperimentName, Tag};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Routes {
    Routes::new()
        .get("/experiments/get-by-name", Need::VIEWER, get_by_name)
        .get("/experiments/get", Need::VIEWER, get_one)
        .post("/experiments/create", Need::CONTRIBUTOR, create)
        .post("/experiments/search", Need::VIEWER, search)
        .get("/experiments/search", Need::VIEWER, search_get)
        .post("/experiments/update", Need::CONTRIBUTOR, update)
        .post("/experiments/delete", Need::CONTRIBUTOR, delete)
        .post("/experiments/restore", Need::CONTRIBUTOR, restore)
        .post(
            "/experiments/set-experiment-tag",
            Need::CONTRIBUTOR,
            set_tag,
        )
        .post(
            "/experiments/delete-experiment-tag",
            Need::CONTRIBUTOR,
            delete_tag,
        )
}

/// An experiment id naming an experiment to act on. A malformed id names no experiment,
/// so it is "not found" in MLflow's words, as MLflow answers.
pub fn experiment_id(s: Option<String>) -> ApiResult<ExperimentId> {
    let raw = required(s, "experiment_id")?;
    raw.parse().map_err(|_| {
        ApiError(pedigree_core::Error::not_found(
            pedigree_core::Entity::Experiment,
            raw.as_str(),
            format!("No Experiment with id={raw} exists"),
        ))
    })
}

pub fn view_type(s: Option<&str>) -> ApiResult<ViewType> {
    Ok(match s.unwrap_or("ACTIVE_ONLY") {
        "ACTIVE_ONLY" | "" | "1" => ViewType::ActiveOnly,
        "DELETED_ONLY" | "2" => ViewType::DeletedOnly,
        "ALL" | "3" => ViewType::All,
        other => {
            return Err(ApiError::invalid(format!(
                "Invalid view_type '{other}': expected ACTIVE_ONLY, DELETED_ONLY or ALL"
            )))
        }
    })
}

async fn get_by_name(State(ctx): State<Ctx>, q: QueryMap) -> ApiResult<Json<Value>> {
    let e = ctx
        .reg
        .get_experiment_by_name(q.required("experiment_name")?)
        .await?;
    Ok(Json(json!({"experiment": wire::experiment(&e)})))
}

async fn get_one(State(ctx): State<Ctx>, q: QueryMap) -> ApiResult<Json<Value>> {
    let e = ctx
        .reg
        .get_experiment(experiment_id(q.get("experiment_id").map(str::to_string))?)
        .await?;
    Ok(Json(json!({"experiment": wire::experiment(&e)})))
}

#[derive(Deserialize)]
struct Create {
    name: Option<String>,
    artifact_location: Option<String>,
    #[serde(default)]
    tags: Vec<KeyValue>,
}

#[derive(Deserialize)]
pub struct KeyValue {
    pub key: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub value: Option<String>,
}

/// Parses `[{key, value}]` into tags (a missing value is an empty string, as in MLflow).
pub fn parse_tags(kvs: Vec<KeyValue>) -> ApiResult<Vec<Tag>> {
    kvs.into_iter()
        .map(|kv| {
            Ok(Tag::parse(
                required(kv.key, "key")?,
                kv.value.unwrap_or_default(),
            )?)
        })
        .collect()
}

/// Parses `[{key, value}]` into params (MLflow's param value limit applies).
pub fn parse_params(kvs: Vec<KeyValue>) -> ApiResult<Vec<Tag>> {
    kvs.into_iter()
        .map(|kv| {
            Ok(Tag::param(
                required(kv.key, "key")?,
                kv.value.unwrap_or_default(),
            )?)
        })
        .collect()
}

async fn create(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Create>,
) -> ApiResult<Json<Value>> {
    // Storage locations are server-owned, unless the operator allows external ones: the
    // registry checks the location against its configured roots (`pedigree_core::location`).
    let location = b
        .artifact_location
        .filter(|l| !l.is_empty())
        .map(ExternalLocation::parse)
        .transpose()?;
    let name = ExperimentName::parse(required(b.name, "name")?)?;
    let id = ctx
        .reg
        .create_experiment_at(&actor, name, parse_tags(b.tags)?, location.as_ref())
        .await?;
    Ok(Json(json!({"experiment_id": id.to_string()})))
}

#[derive(Deserialize, Default)]
struct Search {
    #[serde(default, deserialize_with = "de::opt_i64")]
    max_results: Option<i64>,
    view_type: Option<String>,
    filter: Option<String>,
    #[serde(default)]
    order_by: Vec<String>,
    page_token: Option<String>,
}

async fn run_search(ctx: &Ctx, b: Search) -> ApiResult<Json<Value>> {
    let view = view_type(b.view_type.as_deref())?;
    let all = ctx.reg.all_experiments(view).await?;
    let args = SearchArgs {
        filter: b.filter.unwrap_or_default(),
        order_by: b.order_by,
        max_results: b.max_results,
        page_token: b.page_token,
        default_max: 1000,
        cap: 50_000,
    };
    let (items, next) = page(all, Entity::Experiment, args)?;
    Ok(super::search::response(
        "experiments",
        items.iter().map(wire::experiment).collect(),
        next,
    ))
}

async fn search(State(ctx): State<Ctx>, Body(b): Body<Search>) -> ApiResult<Json<Value>> {
    run_search(&ctx, b).await
}

async fn search_get(State(ctx): State<Ctx>, q: QueryMap) -> ApiResult<Json<Value>> {
    let b = Search {
        max_results: q.int("max_results")?,
        view_type: q.get("view_type").map(str::to_string),
        filter: q.get("filter").map(str::to_string),
        order_by: q.all("order_by"),
        page_token: q.get("page_token").map(str::to_string),
    };
    run_search(&ctx, b).await
}

#[derive(Deserialize)]
struct Update {
    #[serde(default, deserialize_with = "de::opt_string")]
    experiment_id: Option<String>,
    new_name: Option<String>,
}

async fn update(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Update>,
) -> ApiResult<Json<Value>> {
    let id = experiment_id(b.experiment_id)?;
    ctx.reg
        .rename_experiment(
            &actor,
            id,
            ExperimentName::parse(required(b.new_name, "new_name")?)?,
        )
        .await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct ById {
    #[serde(default, deserialize_with = "de::opt_string")]
    experiment_id: Option<String>,
}

async fn delete(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<ById>,
) -> ApiResult<Json<Value>> {
    ctx.reg
        .delete_experiment(&actor, experiment_id(b.experiment_id)?)
        .await?;
    Ok(Json(json!({})))
}

async fn restore(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<ById>,
) -> ApiResult<Json<Value>> {
    ctx.reg
        .restore_experiment(&actor, experiment_id(b.experiment_id)?)
        .await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct SetTag {
    #[serde(default, deserialize_with = "de::opt_string")]
    experiment_id: Option<String>,
    key: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    value: Option<String>,
}

async fn set_tag(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<SetTag>,
) -> ApiResult<Json<Value>> {
    let tag = Tag::parse(required(b.key, "key")?, b.value.unwrap_or_default())?;
    ctx.reg
        .set_experiment_tag(&actor, experiment_id(b.experiment_id)?, tag)
        .await?;
    Ok(Json(json!({})))
}

async fn delete_tag(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<SetTag>,
) -> ApiResult<Json<Value>> {
    ctx.reg
        .delete_experiment_tag(
            &actor,
            experiment_id(b.experiment_id)?,
            &required(b.key, "key")?,
        )
        .await?;
    Ok(Json(json!({})))
}
