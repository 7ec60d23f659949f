//! Who a request acts as, resolved once for every front door (the MLflow API, the
//! dashboard's server functions, Pedigree's own API to come): `Authorization: Bearer
//! <token>`, or Basic with the user name and the token as password. The resolved
//! [`Actor`] goes into the request's extensions; MLflow handlers take it with
//! `Extension<Actor>`, and the dashboard gets it as Leptos context (`crate::routes`).
//!
//! - Credentials that do not check out: 401 on every path, never a silent `anonymous`.
//! - No credentials, `--require-auth` off: the actor is `anonymous`.
//! - No credentials, `--require-auth` on: every API path ([`super::is_api_path`]) answers
//!   401 before routing, implemented or not. Dashboard pages and server functions get no
//!   actor (there is no sign-in yet): they read, and anything that writes must ask
//!   `app::api::ctx::Ctx::actor`, which refuses.
use super::is_api_path;
use crate::mlflow::error::ApiError;
use crate::state::AppState;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use pedigree_core::service::Registry;
use pedigree_core::user::Actor;
use pedigree_core::Error;

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
        None if !state.shell.require_auth => Some(state.anonymous.clone()),
        None if is_api_path(req.uri().path()) => {
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
