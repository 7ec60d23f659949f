//! The request shell: one middleware stack every request passes, whichever front door it
//! is for (the MLflow API, the dashboard's pages and server functions, static files,
//! Pedigree's own API to come). Outermost first:
//!
//! | layer | owns |
//! |---|---|
//! | trace | one span per request |
//! | [`headers`] | `nosniff`, framing and referrer headers; the pages' CSP and its nonce |
//! | [`deadline`] | the request timeout (uploads: a stall timeout on the body instead) |
//! | [`hosts`] | the `Host` allowlist against DNS rebinding |
//! | [`origin`] | cross-origin state-changing requests and CORS preflights refused |
//! | [`auth`] | the actor; 401 on API paths before routing with `--require-auth` |
//!
//! [`json`] (415 for non-JSON bodies) is the one rule that runs after routing, on the JSON
//! routers only. [`is_api_path`] names the trees that answer MLflow-shaped JSON and never
//! fall through to the HTML app.
pub mod auth;
pub mod headers;
pub mod hosts;
pub mod json;
pub mod origin;

use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state, Next};
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

/// Wraps the application router in the stack, outermost last.
pub fn wrap(app: Router, state: AppState) -> Router {
    app.layer(from_fn_with_state(state.clone(), auth::authenticate))
        .layer(from_fn_with_state(state.clone(), origin::check))
        .layer(from_fn_with_state(state.clone(), hosts::check))
        .layer(from_fn_with_state(state, deadline))
        .layer(from_fn(headers::security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// An artifact upload: its body may take longer than any deadline, so it is bounded by a
/// stall timeout instead.
fn is_upload(req: &Request) -> bool {
    *req.method() == Method::PUT
        && req
            .uri()
            .path()
            .starts_with("/api/2.0/mlflow-artifacts/artifacts/")
}

/// Middleware: a request must produce its response head within the configured timeout
/// (503 `TEMPORARILY_UNAVAILABLE` otherwise; the handler is dropped, so its transaction
/// rolls back). Response bodies (downloads, pages) stream on without a deadline. An upload's
/// body fails when it stalls longer than the timeout between two chunks.
pub async fn deadline(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.shell.request_timeout;
    if is_upload(&req) {
        let req = req.map(|b| Body::new(tower_http::timeout::TimeoutBody::new(limit, b)));
        return next.run(req).await;
    }
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => crate::mlflow::error::error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "TEMPORARILY_UNAVAILABLE",
            "The request took too long and was stopped",
        ),
    }
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
