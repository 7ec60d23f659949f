//! The dashboard's sign-in, under `/api/pedigree/v1/session`:
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `POST /session` | `{"name", "password"}` | `{"user", "must_change_password"}` and the cookie |
//! | `GET /session` | – | `{"user", "must_change_password", "idle_deadline", "absolute_deadline"}`, 401 without a session |
//! | `DELETE /session` | – | `{"signed_out": bool}`, the cookie cleared |
//! | `POST /session/password` | `{"current", "new"}` | `{"changed": true}`; every other session of the user ends |
//!
//! The cookie is `__Host-pedigree_session`: `Secure; HttpOnly; SameSite=Lax; Path=/`, no
//! `Domain`. Signing in ends any session the browser sent along (no id survives a
//! sign-in). Repeated failures answer 429 with `Retry-After` (`pedigree_core::service::
//! throttle`). Cross-site requests never get here: the origin rule of the request shell
//! refuses any cookie-carrying state change from another site's page (`crate::shell::origin`).
use crate::mlflow::error::{error_response, ApiError, ApiResult};
use crate::mlflow::extract::Body;
use crate::shell::auth::{session_secret, SESSION_COOKIE};
use crate::shell::permission::Routes;
use crate::state::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use pedigree_core::access::Need;
use pedigree_core::service::sessions::{Attempt, Session};
use pedigree_core::user::Password;
use pedigree_core::Error;
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;

pub fn router() -> Routes {
    Routes::new()
        .get("/session", Need::Anyone, who)
        .post("/session", Need::Anyone, sign_in)
        .delete("/session", Need::Anyone, sign_out)
        .post("/session/password", Need::Anyone, change_password)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    name: String,
    password: Password,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current: Password,
    new: Password,
}

/// The cookie that carries `value` for `max_age_secs` (0 clears it).
pub(crate) fn session_cookie(value: &str, max_age_secs: i64) -> HeaderValue {
    let c = cookie::Cookie::build((SESSION_COOKIE, value.to_string()))
        .secure(true)
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build();
    // The value is our own hex secret (or empty), so this cannot fail; if it ever did,
    // clearing the cookie (the user signs in again) beats panicking the request.
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "session cookie is not a valid header value");
        HeaderValue::from_static("__Host-pedigree_session=; Max-Age=0; Path=/; Secure; HttpOnly")
    })
}

fn too_many(retry_after_secs: u64) -> Response {
    let mut resp = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        "RESOURCE_EXHAUSTED",
        &format!("Too many failed sign-ins: try again in {retry_after_secs} seconds"),
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    resp
}

#[utoipa::path(
    post,
    path = "/api/pedigree/v1/session",
    tag = "session",
    summary = "Sign in with name and password; sets the session cookie",
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn sign_in(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Body(body): Body<SignIn>,
) -> ApiResult<Response> {
    let client = connect.map(|Extension(ConnectInfo(addr))| addr.ip());
    let previous = session_secret(&headers);
    match state
        .reg
        .sign_in(&body.name, &body.password, client, previous.as_ref())
        .await?
    {
        Attempt::Throttled { retry_after_secs } => Ok(too_many(retry_after_secs)),
        Attempt::Done(done) => {
            let now = pedigree_core::time::now_millis();
            let max_age = ((done.absolute_deadline - now) / 1000).max(1);
            let mut resp = Json(json!({
                "user": done.user,
                "must_change_password": done.must_change_password,
            }))
            .into_response();
            resp.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(done.secret.expose(), max_age),
            );
            Ok(resp)
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/pedigree/v1/session",
    tag = "session",
    summary = "Who is signed in",
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn who(session: Option<Extension<Session>>) -> ApiResult<Json<serde_json::Value>> {
    let Some(Extension(s)) = session else {
        return Err(ApiError(Error::Unauthenticated("Not signed in".into())));
    };
    Ok(Json(json!({
        "user": s.actor.user,
        "must_change_password": s.must_change_password,
        "idle_deadline": s.idle_deadline,
        "absolute_deadline": s.absolute_deadline,
    })))
}

#[utoipa::path(
    delete,
    path = "/api/pedigree/v1/session",
    tag = "session",
    summary = "Sign out (the session ends on the server)",
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let signed_out = match session_secret(&headers) {
        Some(secret) => state.reg.sign_out(&secret).await?,
        None => false,
    };
    let mut resp = Json(json!({ "signed_out": signed_out })).into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie("", 0));
    Ok(resp)
}

#[utoipa::path(
    post,
    path = "/api/pedigree/v1/session/password",
    tag = "session",
    summary = "Change the signed-in user password; ends their other sessions",
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(body): Body<PasswordChange>,
) -> ApiResult<Response> {
    let secret = session_secret(&headers)
        .ok_or_else(|| ApiError(Error::Unauthenticated("Not signed in".into())))?;
    match state
        .reg
        .change_password(&secret, &body.current, &body.new)
        .await?
    {
        Attempt::Throttled { retry_after_secs } => Ok(too_many(retry_after_secs)),
        Attempt::Done(()) => Ok(Json(json!({ "changed": true })).into_response()),
    }
}
