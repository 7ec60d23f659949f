//! The router: health, the dashboard (SSR pages, server functions, static site files).
//! The MLflow API mounts here too.
use crate::config::Config;
use app::{shell, App};
use axum::routing::get;
use axum::{Json, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use pedigree_core::service::Registry;
use std::net::SocketAddr;
use std::sync::Arc;

pub fn router(registry: Registry, config: &Config, addr: SocketAddr) -> Router {
    let mut options = match get_configuration(None) {
        Ok(c) => c.leptos_options,
        Err(_) => LeptosOptions::builder().output_name("pedigree").build(),
    };
    options.output_name = Arc::from("pedigree");
    options.site_root = Arc::from(config.server.site_root.to_string_lossy().as_ref());
    options.site_pkg_dir = Arc::from("pkg");
    options.site_addr = addr;
    let routes = generate_route_list(App);
    let ctx_registry = registry.clone();
    let page_options = options.clone();
    let health_registry = registry.clone();
    let api = crate::mlflow::router(
        registry.clone(),
        config.server.max_body_bytes,
        config.auth.require_auth,
    );
    Router::new()
        .route("/health", get(move || health(health_registry.clone())))
        .route("/api/{*rest}", axum::routing::any(crate::mlflow::not_found))
        .route(
            "/ajax-api/{*rest}",
            axum::routing::any(crate::mlflow::not_found),
        )
        // The dashboard's server functions: `leptos_routes_with_context` mounts each at its
        // own `/_app/...` path (see `app::api`); any other path under the prefix is a JSON
        // 404 too, not a dashboard page.
        .route(
            "/_app/{*rest}",
            axum::routing::any(crate::mlflow::not_found),
        )
        .leptos_routes_with_context(
            &options,
            routes,
            move || provide_context(ctx_registry.clone()),
            move || shell(page_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
        .merge(api)
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// 200 with the database reachable; 503 otherwise.
async fn health(registry: Registry) -> (axum::http::StatusCode, Json<serde_json::Value>) {
    match sqlx_ping(&registry).await {
        Ok(()) => (
            axum::http::StatusCode::OK,
            Json(serde_json::json!({"status": "ok"})),
        ),
        Err(e) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "unavailable", "message": e})),
        ),
    }
}

async fn sqlx_ping(registry: &Registry) -> Result<(), String> {
    registry.ping().await.map_err(|e| e.to_string())
}
