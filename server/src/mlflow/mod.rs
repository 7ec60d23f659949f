//! The MLflow front door: the tracking, registry and artifact-proxy REST API that the
//! `mlflow` client speaks, over the same `core` services as the dashboard, and the MLflow
//! UI's `/get-artifact` routes. Every request has passed the request shell (`crate::shell`:
//! host, origin, credentials); JSON endpoints also refuse non-JSON bodies
//! (`shell::json`); unknown routes and wrong methods answer in MLflow's JSON error shape.
pub mod artifacts;
pub mod error;
pub mod experiments;
pub mod extract;
pub mod get_artifact;
pub mod logged_models;
pub mod model_versions;
pub mod registered_models;
pub mod replay;
pub mod run_artifacts;
pub mod run_io;
pub mod runs;
pub mod search;
pub mod transition_requests;
pub mod wire;

use crate::shell::permission::Routes;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use pedigree_core::access::Need;
use serde_json::{json, Value};

/// What every MLflow handler gets: the server's one state.
pub type Ctx = crate::state::AppState;

/// JSON bodies are small; artifacts stream and are limited separately.
const MAX_JSON_BODY: usize = 16 * 1024 * 1024;

pub fn router() -> Routes {
    let api = Routes::new()
        .merge(experiments::routes())
        .merge(runs::routes())
        .merge(logged_models::routes())
        .merge(registered_models::routes())
        .merge(model_versions::routes())
        .merge(transition_requests::routes())
        .merge(run_artifacts::routes())
        .map(|r| {
            r.route_layer(axum::middleware::from_fn(crate::shell::json::require_json))
                .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
                .method_not_allowed_fallback(method_not_allowed)
        });
    let artifacts = artifacts::routes().map(|r| r.method_not_allowed_fallback(method_not_allowed));
    Routes::new()
        .nest("/api/2.0/mlflow", api.clone())
        .nest("/ajax-api/2.0/mlflow", api)
        .nest("/api/2.0/mlflow-artifacts", artifacts)
        .get("/api/3.0/mlflow/server-info", Need::Anyone, server_info)
        .get("/version", Need::Anyone, version)
        .merge(get_artifact::routes())
        .map(|r| r.method_not_allowed_fallback(method_not_allowed))
}

async fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// JSON 404 for anything under `/api` no route matches (MLflow answers an HTML page).
pub async fn not_found(uri: axum::http::Uri) -> Response {
    error::error_response(
        StatusCode::NOT_FOUND,
        "ENDPOINT_NOT_FOUND",
        &format!("No API endpoint at {}", uri.path()),
    )
}

pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    error::error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        &format!("{method} is not allowed on {}", uri.path()),
    )
}

/// MLflow 3 clients ask before downloads; no multipart or presigned URLs here.
async fn server_info() -> Json<Value> {
    Json(json!({
        "store_type": "SqlStore",
        "workspaces_enabled": false,
        "trace_archival_enabled": false,
        "multipart_uploads_enabled": false,
        "multipart_downloads_enabled": false,
        "presigned_upload_run_id_supported": false,
        "presigned_upload_model_id_supported": false,
    }))
}
