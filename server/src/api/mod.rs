//! Pedigree's own JSON API, under one prefix (`/api/pedigree/v1/`): what MLflow's API has
//! no words for (the audit trail, teams, grants, tokens, holder history, review policies). Errors share the
//! MLflow front door's shape (`{"error_code", "message"}`, `crate::mlflow::error`), so a
//! script handles both alike. Every request has passed the request shell (host, origin,
//! credentials); JSON bodies only as JSON.
pub mod access;
pub mod models;
pub mod openapi;

use crate::shell::permission::Routes;
use pedigree_core::access::Need;

pub mod audit;
pub mod policies;
pub mod session;

/// The prefix every route of this API sits under.
pub const PREFIX: &str = "/api/pedigree/v1";

pub fn router() -> Routes {
    // Layers after the routes: `route_layer` wraps only the routes added ahead of it.
    let api = Routes::new()
        .get("/openapi.json", Need::Anyone, openapi::document)
        .merge(access::routes())
        .merge(models::routes())
        .merge(session::router())
        .merge(audit::routes())
        .merge(policies::routes())
        .map(|r| {
            r.route_layer(axum::middleware::from_fn(crate::shell::json::require_json))
                .method_not_allowed_fallback(crate::mlflow::method_not_allowed)
        });
    Routes::new().nest(PREFIX, api)
}
