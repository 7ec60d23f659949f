//! `/api/2.0/mlflow/model-versions/*`.
use super::error::ApiResult;
use super::experiments::{parse_tags, KeyValue};
use super::extract::{de, required, Body, QueryMap};
use super::registered_models::{may_read, model_name};
use super::search::SearchArgs;
use super::{wire, Ctx};
use crate::shell::permission::Routes;
use axum::extract::State;
use axum::{Extension, Json};
use pedigree_core::access::Need;
use pedigree_core::model_version::NewModelVersion;
use pedigree_core::user::Actor;
use pedigree_core::{LoggedModelId, Stage, Tag, Version};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Routes {
    Routes::new()
        .post("/model-versions/create", Need::CONTRIBUTOR, create)
        .get("/model-versions/get", Need::VIEWER, get_one)
        .patch("/model-versions/update", Need::CONTRIBUTOR, update)
        .delete("/model-versions/delete", Need::CONTRIBUTOR, remove)
        .get("/model-versions/search", Need::VIEWER, search)
        .post("/model-versions/set-tag", Need::CONTRIBUTOR, set_tag)
        .delete("/model-versions/delete-tag", Need::CONTRIBUTOR, delete_tag)
        .post(
            "/model-versions/transition-stage",
            Need::CONTRIBUTOR,
            transition,
        )
        .get(
            "/model-versions/get-download-uri",
            Need::VIEWER,
            download_uri,
        )
}

fn version(s: Option<String>) -> ApiResult<Version> {
    Ok(required(s, "version")?.parse()?)
}

#[derive(Deserialize)]
struct Create {
    name: Option<String>,
    source: Option<String>,
    run_id: Option<String>,
    model_id: Option<String>,
    run_link: Option<String>,
    description: Option<String>,
    #[serde(default)]
    tags: Vec<KeyValue>,
}

async fn create(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Create>,
) -> ApiResult<Json<Value>> {
    let new = NewModelVersion {
        name: model_name(b.name)?,
        source: required(b.source, "source")?,
        // A run tracked here, or kept as an external run reference (the service decides).
        run_id: b.run_id.filter(|s| !s.is_empty()),
        run_link: b.run_link.unwrap_or_default(),
        logged_model_id: b
            .model_id
            .filter(|s| !s.is_empty())
            .map(LoggedModelId::parse)
            .transpose()?,
        description: b.description.unwrap_or_default(),
        tags: parse_tags(b.tags)?,
    };
    let v = ctx.reg.create_model_version(&actor, new).await?;
    Ok(Json(
        json!({"model_version": wire::model_version(&v, true)}),
    ))
}

async fn get_one(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let name = model_name(q.get("name").map(str::to_string))?;
    may_read(&ctx, &actor, &name).await?;
    let v = ctx
        .reg
        .get_model_version(&name, version(q.get("version").map(str::to_string))?)
        .await?;
    Ok(Json(
        json!({"model_version": wire::model_version(&v, true)}),
    ))
}

#[derive(Deserialize)]
struct Update {
    name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    version: Option<String>,
    description: Option<String>,
}

async fn update(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Update>,
) -> ApiResult<Json<Value>> {
    let v = ctx
        .reg
        .update_model_version(
            &actor,
            &model_name(b.name)?,
            version(b.version)?,
            b.description.unwrap_or_default(),
        )
        .await?;
    Ok(Json(
        json!({"model_version": wire::model_version(&v, true)}),
    ))
}

async fn remove(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Update>,
) -> ApiResult<Json<Value>> {
    ctx.reg
        .delete_model_version(&actor, &model_name(b.name)?, version(b.version)?)
        .await?;
    Ok(Json(json!({})))
}

async fn search(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    // MLflow's default order is the most recently updated first; name and version then
    // break ties, whatever the client asked for.
    let mut order_by = q.all("order_by");
    if order_by.is_empty() {
        order_by.push("last_updated_timestamp DESC".to_string());
    }
    order_by.extend(["name ASC".to_string(), "version_number DESC".to_string()]);
    let args = SearchArgs {
        filter: q.get("filter").unwrap_or("").to_string(),
        order_by,
        max_results: q.int("max_results")?,
        page_token: q.get("page_token").map(str::to_string),
        default_max: 10_000,
        cap: 200_000,
    };
    let (mut items, next) = ctx.reg.search_model_versions(args).await?;
    // Only versions of models the caller may read (a page may come back shorter).
    let scope = ctx.reg.read_scope(&actor).await?;
    items.retain(|v| scope.allows(v.name.as_str()));
    let list = items
        .iter()
        .map(|v| wire::model_version(v, false))
        .collect();
    Ok(super::search::response("model_versions", list, next))
}

#[derive(Deserialize)]
struct SetTag {
    name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    version: Option<String>,
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
        .set_model_version_tag(&actor, &model_name(b.name)?, version(b.version)?, tag)
        .await?;
    Ok(Json(json!({})))
}

async fn delete_tag(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<SetTag>,
) -> ApiResult<Json<Value>> {
    ctx.reg
        .delete_model_version_tag(
            &actor,
            &model_name(b.name)?,
            version(b.version)?,
            &required(b.key, "key")?,
        )
        .await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct Transition {
    name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    version: Option<String>,
    stage: Option<String>,
    #[serde(default)]
    archive_existing_versions: Option<bool>,
}

async fn transition(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Transition>,
) -> ApiResult<Json<Value>> {
    let stage: Stage = required(b.stage, "stage")?.parse()?;
    let t = ctx
        .reg
        .transition_stage(
            &actor,
            &model_name(b.name)?,
            version(b.version)?,
            stage,
            b.archive_existing_versions.unwrap_or(false),
        )
        .await?;
    Ok(Json(
        json!({"model_version": wire::model_version(&t.version, true)}),
    ))
}

async fn download_uri(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let name = model_name(q.get("name").map(str::to_string))?;
    may_read(&ctx, &actor, &name).await?;
    let uri = ctx
        .reg
        .model_version_download_uri(&name, version(q.get("version").map(str::to_string))?)
        .await?;
    Ok(Json(json!({"artifact_uri": uri})))
}
