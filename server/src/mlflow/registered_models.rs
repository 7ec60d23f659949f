//! `/api/2.0/mlflow/registered-models/*`, aliases included.
use super::error::{ApiError, ApiResult};
use super::experiments::{parse_tags, KeyValue};
use super::extract::{de, required, Body, QueryMap};
use super::search::{page, SearchArgs};
use super::{wire, Ctx};
use crate::shell::permission::Routes;
use axum::extract::State;
use axum::{Extension, Json};
use pedigree_core::access::Need;
use pedigree_core::search::Entity;
use pedigree_core::user::Actor;
use pedigree_core::{AliasName, Error, ModelName, Stage, Tag, Version};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Routes {
    Routes::new()
        .post("/registered-models/create", Need::CONTRIBUTOR, create)
        .get("/registered-models/get", Need::VIEWER, get_one)
        .patch("/registered-models/update", Need::CONTRIBUTOR, update)
        .post("/registered-models/rename", Need::CONTRIBUTOR, rename)
        .delete("/registered-models/delete", Need::CONTRIBUTOR, remove)
        .get("/registered-models/search", Need::VIEWER, search)
        .post("/registered-models/set-tag", Need::CONTRIBUTOR, set_tag)
        .delete(
            "/registered-models/delete-tag",
            Need::CONTRIBUTOR,
            delete_tag,
        )
        .post(
            "/registered-models/get-latest-versions",
            Need::VIEWER,
            latest_post,
        )
        .get(
            "/registered-models/get-latest-versions",
            Need::VIEWER,
            latest_get,
        )
        .post("/registered-models/alias", Need::CONTRIBUTOR, set_alias)
        .get("/registered-models/alias", Need::VIEWER, get_alias)
        .delete("/registered-models/alias", Need::CONTRIBUTOR, delete_alias)
}

pub fn model_name(s: Option<String>) -> ApiResult<ModelName> {
    Ok(ModelName::parse(required(s, "name")?)?)
}

#[derive(Deserialize)]
struct Create {
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    tags: Vec<KeyValue>,
}

async fn create(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Create>,
) -> ApiResult<Json<Value>> {
    let m = ctx
        .reg
        .create_registered_model(
            &actor,
            model_name(b.name)?,
            b.description.unwrap_or_default(),
            parse_tags(b.tags)?,
        )
        .await?;
    Ok(Json(
        json!({"registered_model": wire::registered_model(&m)}),
    ))
}

async fn get_one(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let name = model_name(q.get("name").map(str::to_string))?;
    may_read(&ctx, &actor, &name).await?;
    let m = ctx.reg.get_registered_model(&name).await?;
    Ok(Json(
        json!({"registered_model": wire::registered_model(&m)}),
    ))
}

#[derive(Deserialize)]
struct Update {
    name: Option<String>,
    description: Option<String>,
}

async fn update(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Update>,
) -> ApiResult<Json<Value>> {
    let m = ctx
        .reg
        .update_registered_model(
            &actor,
            &model_name(b.name)?,
            b.description.unwrap_or_default(),
        )
        .await?;
    Ok(Json(
        json!({"registered_model": wire::registered_model(&m)}),
    ))
}

#[derive(Deserialize)]
struct Rename {
    name: Option<String>,
    new_name: Option<String>,
}

async fn rename(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Rename>,
) -> ApiResult<Json<Value>> {
    let new_name = ModelName::parse(required(b.new_name, "new_name")?)?;
    let m = ctx
        .reg
        .rename_registered_model(&actor, &model_name(b.name)?, new_name)
        .await?;
    Ok(Json(
        json!({"registered_model": wire::registered_model(&m)}),
    ))
}

#[derive(Deserialize)]
struct ByName {
    name: Option<String>,
}

async fn remove(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<ByName>,
) -> ApiResult<Json<Value>> {
    ctx.reg
        .delete_registered_model(&actor, &model_name(b.name)?)
        .await?;
    Ok(Json(json!({})))
}

async fn search(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let mut all = ctx.reg.all_registered_models().await?;
    // Only what the caller may read, before paging, so pages stay full.
    let scope = ctx.reg.read_scope(&actor).await?;
    all.retain(|m| scope.allows(m.name.as_str()));
    let mut order_by = q.all("order_by");
    order_by.push("name ASC".into());
    let args = SearchArgs {
        filter: q.get("filter").unwrap_or("").to_string(),
        order_by,
        max_results: q.int("max_results")?,
        page_token: q.get("page_token").map(str::to_string),
        default_max: 100,
        cap: 1000,
    };
    let (items, next) = page(all, Entity::RegisteredModel, args)?;
    Ok(super::search::response(
        "registered_models",
        items.iter().map(wire::registered_model).collect(),
        next,
    ))
}

#[derive(Deserialize)]
struct SetTag {
    name: Option<String>,
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
        .set_registered_model_tag(&actor, &model_name(b.name)?, tag)
        .await?;
    Ok(Json(json!({})))
}

async fn delete_tag(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<SetTag>,
) -> ApiResult<Json<Value>> {
    ctx.reg
        .delete_registered_model_tag(&actor, &model_name(b.name)?, &required(b.key, "key")?)
        .await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct Latest {
    name: Option<String>,
    #[serde(default)]
    stages: Vec<String>,
}

async fn latest(ctx: &Ctx, actor: &Actor, b: Latest) -> ApiResult<Json<Value>> {
    let name = model_name(b.name)?;
    may_read(ctx, actor, &name).await?;
    let m = ctx.reg.get_registered_model(&name).await?;
    let stages = b
        .stages
        .iter()
        .map(|s| s.parse::<Stage>())
        .collect::<Result<Vec<_>, _>>()?;
    let versions: Vec<Value> = m
        .latest_versions
        .iter()
        .filter(|v| stages.is_empty() || stages.contains(&v.stage))
        .map(|v| wire::model_version(v, false))
        .collect();
    let mut out = json!({});
    if !versions.is_empty() {
        out["model_versions"] = Value::Array(versions);
    }
    Ok(Json(out))
}

async fn latest_post(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Latest>,
) -> ApiResult<Json<Value>> {
    latest(&ctx, &actor, b).await
}

async fn latest_get(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    latest(
        &ctx,
        &actor,
        Latest {
            name: q.get("name").map(str::to_string),
            stages: q.all("stages"),
        },
    )
    .await
}

#[derive(Deserialize)]
struct AliasBody {
    name: Option<String>,
    alias: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    version: Option<String>,
}

async fn set_alias(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<AliasBody>,
) -> ApiResult<Json<Value>> {
    let alias = AliasName::parse(required(b.alias, "alias")?)?;
    let version: Version = required(b.version, "version")?.parse()?;
    ctx.reg
        .set_alias(&actor, &model_name(b.name)?, alias, version)
        .await?;
    Ok(Json(json!({})))
}

async fn get_alias(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let name = model_name(q.get("name").map(str::to_string))?;
    may_read(&ctx, &actor, &name).await?;
    let alias = AliasName::parse(q.required("alias")?)?;
    // MLflow answers an unknown alias with 400 INVALID_PARAMETER_VALUE, and clients expect it.
    let version = ctx
        .reg
        .resolve_alias(&name, &alias)
        .await
        .map_err(|e| match e {
            e @ Error::NotFound {
                entity: pedigree_core::error::Entity::Alias,
                ..
            } => ApiError::invalid(e.to_string()),
            other => ApiError(other),
        })?;
    let v = ctx.reg.get_model_version(&name, version).await?;
    Ok(Json(
        json!({"model_version": wire::model_version(&v, true)}),
    ))
}

async fn delete_alias(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<AliasBody>,
) -> ApiResult<Json<Value>> {
    let alias = AliasName::parse(required(b.alias, "alias")?)?;
    ctx.reg
        .delete_alias(&actor, &model_name(b.name)?, &alias)
        .await?;
    Ok(Json(json!({})))
}

/// Refuses a read of a model the caller holds no role on (`pedigree_core::access::ReadScope`).
pub async fn may_read(ctx: &Ctx, actor: &Actor, name: &ModelName) -> ApiResult<()> {
    Ok(ctx.reg.read_scope(actor).await?.check(actor.name(), name)?)
}
