//! Credentials on every MLflow route, artifacts included: `Authorization: Bearer <token>` or
//! Basic (user + token as password). The resolved actor is what the audit log records.
//! Requests without credentials act as `anonymous` unless the server requires auth.
use super::error::ApiError;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use pedigree_core::service::Registry;
use pedigree_core::user::Actor;
use pedigree_core::{Error, UserName};

#[derive(Clone)]
pub struct AuthState {
    pub registry: Registry,
    pub require_auth: bool,
}

async fn resolve(state: &AuthState, header: Option<&str>) -> Result<Actor, Error> {
    let Some(h) = header else {
        if state.require_auth {
            return Err(Error::Unauthenticated(
                "Credentials are required: send Authorization: Bearer <token>".into(),
            ));
        }
        return Ok(Actor::new(UserName::parse("anonymous")?));
    };
    if let Some(token) = h.strip_prefix("Bearer ") {
        return state.registry.authenticate_token(token.trim()).await;
    }
    if let Some(b64) = h.strip_prefix("Basic ") {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|_| Error::Unauthenticated("Malformed Basic credentials".into()))?;
        let text = String::from_utf8(raw)
            .map_err(|_| Error::Unauthenticated("Malformed Basic credentials".into()))?;
        let (user, secret) = text
            .split_once(':')
            .ok_or_else(|| Error::Unauthenticated("Malformed Basic credentials".into()))?;
        let actor = state.registry.authenticate_token(secret).await?;
        if actor.name() != user {
            return Err(Error::Unauthenticated("Invalid credentials".into()));
        }
        return Ok(actor);
    }
    Err(Error::Unauthenticated(
        "Unsupported Authorization scheme: use Bearer or Basic".into(),
    ))
}

/// Middleware: resolves the actor once per request and stores it as an extension.
pub async fn authenticate(
    State(state): State<AuthState>,
    mut req: Request,
    next: Next,
) -> Response {
    let header = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match resolve(&state, header.as_deref()).await {
        Ok(actor) => {
            req.extensions_mut().insert(actor);
            next.run(req).await
        }
        Err(e) => ApiError(e).into_response(),
    }
}
