//! Who a request acts as, resolved once for every front door (the MLflow API, the
//! dashboard's server functions, Pedigree's own API): `Authorization: Bearer <token>`, or
//! Basic with the user name and the token as password, or else the dashboard's session
//! cookie ([`SESSION_COOKIE`]). The resolved [`Actor`] goes into the request's extensions;
//! MLflow handlers take it with `Extension<Actor>`, and the dashboard gets it as Leptos
//! context (`crate::routes`). A session also puts its [`Session`] there.
//!
//! - An `Authorization` header that does not check out: 401 on every path, never a silent
//!   `anonymous`. The header wins over a cookie.
//! - A session cookie that is unknown or expired is no session (a page load must not
//!   fail because a browser kept an old cookie): the request goes on as if it had none.
//!   A session whose password must be changed serves only the session endpoints.
//! - No credentials, `--require-auth` off: the actor is `anonymous`.
//! - No credentials, `--require-auth` on: every API path ([`super::is_api_path`]) but the
//!   session endpoints (signing in needs none) answers 401 before routing, implemented or
//!   not. Dashboard pages and server functions get no actor: they read, and anything that
//!   writes must ask `app::api::ctx::Ctx::actor`, which refuses.
use super::is_api_path;
use crate::mlflow::error::ApiError;
use crate::state::AppState;
use axum::extract::Request;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use pedigree_core::service::sessions::{Session, SessionSecret};
use pedigree_core::service::Registry;
use pedigree_core::user::Actor;
use pedigree_core::Error;

/// The dashboard's session cookie. The `__Host-` prefix makes browsers insist on `Secure`,
/// `Path=/` and no `Domain`, so no sibling host can plant or overwrite it.
pub const SESSION_COOKIE: &str = "__Host-pedigree_session";

/// The session secret among the request's cookies, if any.
pub fn session_secret(headers: &HeaderMap) -> Option<SessionSecret> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE && !c.value().is_empty())
        .map(|c| SessionSecret::new(c.value()))
}

/// The session endpoints (`crate::api::session`): signing in needs no credentials even
/// with `--require-auth`, and a session whose password must be changed may still reach
/// them.
fn is_session_path(path: &str) -> bool {
    path.strip_prefix(crate::api::PREFIX)
        .and_then(|p| p.strip_prefix("/session"))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The session a request's cookie stands for, or `None`. Takes the request's parts by
/// value: a request body is not `Sync`, so no `&Request` may be held across an await.
async fn from_cookie(
    state: &AppState,
    secret: Option<SessionSecret>,
    session_path: bool,
) -> Result<Option<Session>, Response> {
    let Some(secret) = secret else {
        return Ok(None);
    };
    match state.reg.session(&secret).await {
        Ok(Some(s)) if s.must_change_password && !session_path => Ok(None),
        Ok(s) => Ok(s),
        Err(e) => Err(ApiError(e).into_response()),
    }
}

/// The actor named by an `Authorization` header value.
pub async fn resolve_credentials(registry: &Registry, header: &str) -> Result<Actor, Error> {
    if let Some(token) = header.strip_prefix("Bearer ") {
        return registry.authenticate_token(token.trim()).await;
    }
    if let Some(b64) = header.strip_prefix("Basic ") {
        let malformed = || Error::Unauthenticated("Malformed Basic credentials".into());
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|_| malformed())?;
        let text = String::from_utf8(raw).map_err(|_| malformed())?;
        let (user, secret) = text.split_once(':').ok_or_else(malformed)?;
        let actor = registry.authenticate_token(secret).await?;
        if actor.name() != user {
            return Err(Error::Unauthenticated("Invalid credentials".into()));
        }
        return Ok(actor);
    }
    Err(Error::Unauthenticated(
        "Unsupported Authorization scheme: use Bearer or Basic".into(),
    ))
}

/// Resolves the actor once per request and stores it as an extension; the refusal when
/// the credentials do not check out or are required and missing.
pub async fn authenticate(state: &AppState, req: &mut Request) -> Result<(), Response> {
    let header = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .map(|v| v.to_str().map(str::to_string));
    let actor = match header {
        Some(Ok(h)) => match resolve_credentials(&state.reg, &h).await {
            Ok(actor) => Some(actor),
            Err(e) => return Err(ApiError(e).into_response()),
        },
        Some(Err(_)) => {
            return Err(ApiError(Error::Unauthenticated(
                "Malformed Authorization header".into(),
            ))
            .into_response())
        }
        None => match from_cookie(
            state,
            session_secret(req.headers()),
            is_session_path(req.uri().path()),
        )
        .await?
        {
            Some(session) => {
                let actor = session.actor.clone();
                req.extensions_mut().insert(session);
                Some(actor)
            }
            None => None,
        },
    };
    let actor = match actor {
        Some(a) => Some(a),
        None if !state.shell.require_auth => Some(state.anonymous.clone()),
        None if is_api_path(req.uri().path()) && !is_session_path(req.uri().path()) => {
            return Err(ApiError(Error::Unauthenticated(
                "Credentials are required: send Authorization: Bearer <token>".into(),
            ))
            .into_response())
        }
        None => None,
    };
    if let Some(actor) = actor {
        req.extensions_mut().insert(actor);
    }
    Ok(())
}
