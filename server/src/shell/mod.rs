//! The request shell: one middleware stack every request passes, whichever front door it
//! is for (the MLflow API, the dashboard's pages and server functions, static files,
//! Pedigree's own API to come). One middleware ([`serve`]) around the whole router runs
//! its steps, outermost first (the trace span around it):
//!
//! | layer | owns |
//! |---|---|
//! | trace | one span per request |
//! | [`headers`] | `nosniff`, framing and referrer headers; the pages' CSP and its nonce |
//! | deadline ([`serve`]) | the request timeout (uploads: a stall timeout on the body instead) |
//! | [`hosts`] | the `Host` allowlist against DNS rebinding |
//! | [`origin`] | cross-origin state-changing requests and CORS preflights refused |
//! | [`auth`] | the actor; 401 on API paths before routing with `--require-auth` |
//!
//! [`json`] (415 for non-JSON bodies) is the one rule that runs after routing, on the JSON
//! routers only. [`is_api_path`] names the trees that answer MLflow-shaped JSON and never
//! fall through to the HTML app.
pub mod auth;
pub mod compress;
pub mod headers;
pub mod hosts;
pub mod json;
pub mod origin;
pub mod permission;

use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::Response;
use axum::Router;
use std::time::Duration;

/// The shell's settings, resolved at startup.
#[derive(Debug, Clone)]
pub struct ShellPolicy {
    pub hosts: hosts::HostAllowlist,
    /// `--require-auth`: API paths refuse requests without credentials.
    pub require_auth: bool,
    /// See [`deadline`].
    pub request_timeout: Duration,
}

/// The trees that are API, not pages: MLflow's REST API and artifact proxy, its GraphQL and
/// OTLP endpoints, its UI's artifact routes, and `/version`. Anything under them answers
/// JSON (404 `ENDPOINT_NOT_FOUND` when nothing serves it).
pub const API_TREES: &[&str] = &[
    "/api",
    "/ajax-api",
    "/graphql",
    "/v1/traces",
    "/get-artifact",
    "/model-versions/get-artifact",
];

pub fn is_api_path(path: &str) -> bool {
    path == "/version"
        || API_TREES.iter().any(|tree| {
            path.strip_prefix(tree)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
}

/// Wraps the application router in the stack. The router becomes the only route of an
/// outer router, and the shell is layered on that one route: `Router::layer` on the
/// application router itself would wrap each of its routes in its own copy of the stack,
/// and five `from_fn` layers cost a boxed future and a clone of the inner service chain
/// each, per request (0.2 ms of server CPU per registry read).
pub fn wrap(app: Router, state: AppState) -> Router {
    Router::new()
        .fallback_service(app)
        .layer(from_fn_with_state(state, serve))
        .layer(compress::layer())
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// Middleware: the whole shell in order: the headers (on every response, refusals
/// included), the deadline, then the gates that may refuse before routing (hosts, origin,
/// auth), then the router.
///
/// The deadline: a request must produce its response head within the configured timeout
/// (503 `TEMPORARILY_UNAVAILABLE` otherwise; the handler is dropped, so its transaction
/// rolls back). Response bodies (downloads, pages) stream on without a deadline. An
/// upload's body may take longer than any deadline, so it fails instead when it stalls
/// longer than the timeout between two chunks.
pub async fn serve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let nonce = headers::prepare(&mut req);
    let plain = is_api_path(req.uri().path());
    let limit = state.shell.request_timeout;
    let mut resp = if is_upload(&req) {
        let req = req.map(|b| Body::new(tower_http::timeout::TimeoutBody::new(limit, b)));
        gated(&state, req, next).await
    } else {
        match tokio::time::timeout(limit, gated(&state, req, next)).await {
            Ok(resp) => resp,
            Err(_) => crate::mlflow::error::error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "TEMPORARILY_UNAVAILABLE",
                "The request took too long and was stopped",
            ),
        }
    };
    headers::finish(&mut resp, nonce.as_ref());
    if plain {
        resp.extensions_mut().insert(compress::Plain);
    }
    resp
}

async fn gated(state: &AppState, mut req: Request, next: Next) -> Response {
    if let Some(refused) = hosts::refuse(state, &req).or_else(|| origin::refuse(state, &req)) {
        return refused;
    }
    if let Err(refused) = auth::authenticate(state, &mut req).await {
        return refused;
    }
    // After auth, so an answer is only ever replayed to the actor it was made for.
    let (req, replay) = state.replay.lookup(state, req).await;
    match replay {
        Ok(kept) => kept,
        Err(None) => next.run(req).await,
        Err(Some(pending)) => {
            let resp = next.run(req).await;
            state.replay.keep(state, pending, resp).await
        }
    }
}

/// An artifact upload (its body is bounded by a stall timeout, not the deadline).
fn is_upload(req: &Request) -> bool {
    *req.method() == Method::PUT
        && req
            .uri()
            .path()
            .starts_with("/api/2.0/mlflow-artifacts/artifacts/")
}

#[cfg(test)]
mod tests {
    use super::is_api_path;

    #[test]
    fn api_trees_are_matched_by_whole_segments() {
        for api in [
            "/api",
            "/api/2.0/mlflow/x",
            "/ajax-api/2.0/mlflow/runs/get",
            "/graphql",
            "/graphql/x",
            "/v1/traces",
            "/get-artifact",
            "/model-versions/get-artifact",
            "/version",
        ] {
            assert!(is_api_path(api), "{api}");
        }
        for page in [
            "/",
            "/models",
            "/apiary",
            "/v1/other",
            "/graphqlx",
            "/_app/models/list",
        ] {
            assert!(!is_api_path(page), "{page}");
        }
    }
}
