//! Who may do what, on the native API: `GET /me` (the caller and their role, registry-wide
//! or on `?model=`), `GET /teams`, `GET /grants?model=`, `POST /grants` (`{"user"|"team",
//! "role", "model"?}`) and `POST /grants/revoke` (`{"user"|"team", "model"?}`). Changes are
//! an admin's (`core`'s rule, `pedigree_core::access`).
use crate::mlflow::error::{ApiError, ApiResult};
use crate::mlflow::extract::{Body, QueryMap};
use crate::shell::permission::Routes;
use crate::state::AppState;
use axum::extract::State;
use axum::{Extension, Json};
use pedigree_core::access::Need;
use pedigree_core::access::{Principal, Role, Scope, TeamName};
use pedigree_core::user::Actor;
use pedigree_core::{ModelName, UserName};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Routes {
    Routes::new()
        .get("/me", Need::Anyone, me)
        .get("/teams", Need::VIEWER, teams)
        .get("/grants", Need::VIEWER, grants)
        .post("/grants", Need::ADMIN, grant)
        .post("/grants/revoke", Need::ADMIN, revoke)
}

fn model(m: Option<String>) -> ApiResult<Option<ModelName>> {
    Ok(m.map(ModelName::parse).transpose()?)
}

/// The optional `?model=`; any other parameter is a 400 naming it.
fn model_param(q: &QueryMap) -> ApiResult<Option<ModelName>> {
    if let Some((k, _)) = q.0.iter().find(|(k, _)| k != "model") {
        return Err(ApiError::invalid(format!("Unknown parameter '{k}'")));
    }
    model(q.get("model").map(str::to_string))
}

#[utoipa::path(
    get,
    path = "/api/pedigree/v1/me",
    tag = "access",
    summary = "Who the caller is and the role they hold, registry-wide or on ?model=",
    params(
        ("model" = String, Query, description = "model"),
    ),
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn me(
    State(st): State<AppState>,
    Extension(actor): Extension<Actor>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let m = model_param(&q)?;
    let role = st.reg.role_of(&actor, m.as_ref()).await?;
    Ok(Json(json!({
        "user": actor.name(),
        "anonymous": actor.is_anonymous(),
        "model": m,
        "role": role,
    })))
}

#[utoipa::path(
    get,
    path = "/api/pedigree/v1/teams",
    tag = "access",
    summary = "Every team and its members",
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn teams(
    State(st): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> ApiResult<Json<Value>> {
    st.reg.may_read(&actor, None).await?;
    Ok(Json(json!({ "teams": st.reg.teams().await? })))
}

#[utoipa::path(
    get,
    path = "/api/pedigree/v1/grants",
    tag = "access",
    summary = "Grants, or those covering ?model=",
    params(
        ("model" = String, Query, description = "model"),
    ),
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn grants(
    State(st): State<AppState>,
    Extension(actor): Extension<Actor>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let m = model_param(&q)?;
    st.reg.may_read(&actor, m.as_ref()).await?;
    Ok(Json(json!({ "grants": st.reg.grants(m.as_ref()).await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantBody {
    user: Option<String>,
    team: Option<String>,
    role: Option<String>,
    model: Option<String>,
}

impl GrantBody {
    fn target(&self) -> ApiResult<(Principal, Scope)> {
        let principal = match (&self.user, &self.team) {
            (Some(u), None) => Principal::User(UserName::parse(u.as_str())?),
            (None, Some(t)) => Principal::Team(TeamName::parse(t.as_str())?),
            _ => return Err(ApiError::invalid("Name exactly one of 'user' or 'team'")),
        };
        let scope = match model(self.model.clone())? {
            Some(m) => Scope::Model(m),
            None => Scope::Global,
        };
        Ok((principal, scope))
    }
}

#[utoipa::path(
    post,
    path = "/api/pedigree/v1/grants",
    tag = "access",
    summary = "Give a user or a team a role, registry-wide or on one model (admins)",
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn grant(
    State(st): State<AppState>,
    Extension(actor): Extension<Actor>,
    Body(body): Body<GrantBody>,
) -> ApiResult<Json<Value>> {
    let (principal, scope) = body.target()?;
    let role: Role = body
        .role
        .as_deref()
        .ok_or_else(|| ApiError::invalid("Missing value for required parameter 'role'"))?
        .parse()?;
    let g = st.reg.grant(&actor, &principal, &scope, role).await?;
    Ok(Json(json!({ "grant": g })))
}

#[utoipa::path(
    post,
    path = "/api/pedigree/v1/grants/revoke",
    tag = "access",
    summary = "Take a grant back (admins)",
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn revoke(
    State(st): State<AppState>,
    Extension(actor): Extension<Actor>,
    Body(body): Body<GrantBody>,
) -> ApiResult<Json<Value>> {
    if body.role.is_some() {
        return Err(ApiError::invalid("A revoke takes no 'role'"));
    }
    let (principal, scope) = body.target()?;
    st.reg.revoke_grant(&actor, &principal, &scope).await?;
    Ok(Json(json!({})))
}
