//! A model's holders and protection on the native API:
//! `GET /models/{name}/holders[?at=T]` (every stage and alias tenure, oldest first, or
//! those covering instant T: what served then; T in epoch ms or RFC 3339),
//! `POST /models/{name}/versions/{version}/rollback` (an approver puts a version that held
//! Production before back, without a new review), and
//! `GET /models/{name}/protected-aliases`, `PUT|DELETE /models/{name}/protected-aliases/{alias}`
//! (an admin's). The rules are `core`'s (`service::holders`).
use crate::mlflow::error::{ApiError, ApiResult};
use crate::mlflow::extract::QueryMap;
use crate::shell::permission::Routes;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use pedigree_core::access::Need;
use pedigree_core::user::Actor;
use pedigree_core::{AliasName, ModelName, Version};
use serde_json::{json, Value};

pub fn routes() -> Routes {
    Routes::new()
        .get("/models/{name}/holders", Need::VIEWER, holders)
        .post(
            "/models/{name}/versions/{version}/rollback",
            Need::APPROVER,
            rollback,
        )
        .get("/models/{name}/protected-aliases", Need::VIEWER, protected)
        .put(
            "/models/{name}/protected-aliases/{alias}",
            Need::ADMIN,
            protect,
        )
        .delete(
            "/models/{name}/protected-aliases/{alias}",
            Need::ADMIN,
            unprotect,
        )
}

#[utoipa::path(
    get,
    path = "/api/pedigree/v1/models/{name}/holders",
    tag = "models",
    summary = "Every stage and alias tenure of a model, or those covering ?at= (what served then)",
    params(
        ("name" = String, Path, description = "name"),
        ("at" = String, Query, description = "at"),
    ),
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn holders(
    State(st): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    if let Some((k, _)) = q.0.iter().find(|(k, _)| k != "at") {
        return Err(ApiError::invalid(format!("Unknown parameter '{k}'")));
    }
    let name = ModelName::parse(name)?;
    let at = q
        .get("at")
        .map(pedigree_core::time::parse_timestamp)
        .transpose()?;
    st.reg.may_read(&actor, Some(&name)).await?;
    let holdings = st.reg.holder_history(&name, at).await?;
    Ok(Json(
        json!({ "model": name, "at": at, "holdings": holdings }),
    ))
}

#[utoipa::path(
    post,
    path = "/api/pedigree/v1/models/{name}/versions/{version}/rollback",
    tag = "models",
    summary = "Put a version that held Production before back in Production (approvers)",
    params(
        ("name" = String, Path, description = "name"),
        ("version" = String, Path, description = "version"),
    ),
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn rollback(
    State(st): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((name, version)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let name = ModelName::parse(name)?;
    let version: Version = version.parse()?;
    let t = st.reg.rollback(&actor, &name, version).await?;
    Ok(Json(json!({
        "model_version": crate::mlflow::wire::model_version(&t.version, true),
        "archived": t.archived,
    })))
}

#[utoipa::path(
    get,
    path = "/api/pedigree/v1/models/{name}/protected-aliases",
    tag = "models",
    summary = "The aliases that move only by review, rollback or an approver",
    params(
        ("name" = String, Path, description = "name"),
    ),
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn protected(
    State(st): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let name = ModelName::parse(name)?;
    st.reg.may_read(&actor, Some(&name)).await?;
    Ok(Json(
        json!({ "protected_aliases": st.reg.protected_aliases(&name).await? }),
    ))
}

async fn set(
    st: AppState,
    actor: Actor,
    name: String,
    alias: String,
    on: bool,
) -> ApiResult<Json<Value>> {
    let name = ModelName::parse(name)?;
    let alias = AliasName::parse(alias)?;
    let now = st.reg.protect_alias(&actor, &name, &alias, on).await?;
    Ok(Json(json!({ "protected_aliases": now })))
}

#[utoipa::path(
    put,
    path = "/api/pedigree/v1/models/{name}/protected-aliases/{alias}",
    tag = "models",
    summary = "Protect an alias (admins)",
    params(
        ("name" = String, Path, description = "name"),
        ("alias" = String, Path, description = "alias"),
    ),
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn protect(
    State(st): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((name, alias)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    set(st, actor, name, alias, true).await
}

#[utoipa::path(
    delete,
    path = "/api/pedigree/v1/models/{name}/protected-aliases/{alias}",
    tag = "models",
    summary = "Stop protecting an alias (admins)",
    params(
        ("name" = String, Path, description = "name"),
        ("alias" = String, Path, description = "alias"),
    ),
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn unprotect(
    State(st): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((name, alias)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    set(st, actor, name, alias, false).await
}
