//! The router: health, the dashboard (SSR pages, server functions, its sign-in forms,
//! static site files) and the MLflow API, over one [`AppState`], wrapped in the request
//! shell (`crate::shell`). Paths under the API trees never fall through to the dashboard:
//! they answer JSON.
use crate::config::Config;
use crate::shell::permission::Routes;
use crate::state::AppState;
use app::{shell, App};
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::{Json, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use pedigree_core::access::Need;
use pedigree_core::service::Registry;
use std::net::SocketAddr;
use std::sync::Arc;

pub fn router(
    registry: Registry,
    config: &Config,
    addr: SocketAddr,
    closing: tokio_util::sync::CancellationToken,
) -> Router {
    let mut options = match get_configuration(None) {
        Ok(c) => c.leptos_options,
        Err(_) => LeptosOptions::builder().output_name("pedigree").build(),
    };
    options.output_name = Arc::from("pedigree");
    options.site_root = Arc::from(config.server.site_root.to_string_lossy().as_ref());
    options.site_pkg_dir = Arc::from("pkg");
    options.site_addr = addr;
    let state = AppState {
        closing,
        ..AppState::new(registry.clone(), config, options.clone(), addr)
    };
    let routes = generate_route_list(App);
    let page_options = options.clone();
    let health_registry = registry.clone();
    let pages = leptos_axum::file_and_error_handler_with_context::<AppState, _>(
        leptos_context(registry.clone()),
        shell,
    );
    // Leptos's pages and server functions, each checked against its declared need.
    let dashboard = Router::<AppState>::new()
        .leptos_routes_with_context(&state, routes, leptos_context(registry), move || {
            shell(page_options.clone())
        })
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::shell::permission::app_gate,
        ));
    let app = declared()
        .get("/health", Need::Anyone, move || {
            health(health_registry.clone())
        })
        .into_router()
        .merge(dashboard)
        .fallback(move |uri: Uri, st: State<AppState>, req: Request| {
            let pages = pages.clone();
            async move {
                // Any other path under the server functions' prefix is a JSON 404 too.
                if crate::shell::is_api_path(uri.path()) || uri.path().starts_with("/_app/") {
                    crate::mlflow::not_found(uri).await
                } else {
                    pages(uri, st, req).await
                }
            }
        })
        .with_state(state.clone());
    crate::shell::wrap(app, state)
}

/// Every route outside Leptos's, with the need each declares (`crate::shell::permission`).
pub fn declared() -> Routes {
    Routes::new()
        .merge(crate::forms::router())
        .merge(crate::mlflow::router())
        .merge(crate::api::router())
        .merge(crate::live::router())
}

/// What every page render and server function finds in Leptos context: the registry, and
/// from the request shell the actor (`shell::auth`) and the CSP nonce (`shell::headers`),
/// so the page's scripts carry the nonce the response header allows.
fn leptos_context(registry: Registry) -> impl Fn() + Clone + Send + Sync + 'static {
    move || {
        provide_context(registry.clone());
        if let Some(parts) = use_context::<axum::http::request::Parts>() {
            if let Some(actor) = parts.extensions.get::<pedigree_core::user::Actor>() {
                provide_context(actor.clone());
            }
            if let Some(nonce) = parts.extensions.get::<leptos::nonce::Nonce>() {
                provide_context(nonce.clone());
            }
        }
    }
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
