//! Deny by default: every route is registered through [`Routes`] with the [`Need`] its
//! handler requires, and the need is checked before the handler (or any extractor) runs.
//! Clippy refuses `Router::route` anywhere else (`clippy.toml`), so a route without a
//! declared need does not build; [`Routes::declared`] lists every route with its need, for
//! the test that walks the router and requests each one as a caller who lacks it.
//!
//! The dashboard's pages and server functions are Leptos's routes, mounted by
//! `leptos_axum`; their needs are declared beside them (`app::routes::PAGES`,
//! `app::api::NEEDS`) and checked by [`app_gate`], which refuses any path that is not
//! declared.
//!
//! This is the coarse first check: the core call behind the handler decides on the exact
//! subject (see `pedigree_core::access::Need`).
use crate::mlflow::error::ApiError;
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{on, MethodFilter};
use axum::Router;
use pedigree_core::access::Need;
use pedigree_core::user::Actor;
use pedigree_core::Error;

/// One declared route: what the router walk requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub method: Method,
    /// axum's pattern, e.g. `/api/2.0/mlflow/logged-models/{model_id}`.
    pub path: String,
    pub need: Need,
}

/// A router whose every route carries its need.
#[derive(Clone, Default)]
pub struct Routes {
    router: Router<AppState>,
    declared: Vec<Declared>,
}

macro_rules! method {
    ($name:ident, $filter:ident, $method:ident) => {
        pub fn $name<H, T>(self, path: &str, need: Need, handler: H) -> Self
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            self.add(MethodFilter::$filter, Method::$method, path, need, handler)
        }
    };
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    method!(get, GET, GET);
    method!(post, POST, POST);
    method!(put, PUT, PUT);
    method!(patch, PATCH, PATCH);
    method!(delete, DELETE, DELETE);

    fn add<H, T>(
        mut self,
        filter: MethodFilter,
        method: Method,
        path: &str,
        need: Need,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let guarded = move |State(state): State<AppState>, req: Request| {
            let handler = handler.clone();
            async move {
                // Owned: a request body is not `Sync`, so no `&Request` crosses an await.
                let actor = req.extensions().get::<Actor>().cloned();
                match state.reg.may_reach(actor.as_ref(), need).await {
                    Ok(()) => handler.call(req, state).await,
                    Err(e) => ApiError::from(e).into_response(),
                }
            }
        };
        // The one place routes are added: everywhere else clippy refuses `route`.
        #[allow(clippy::disallowed_methods)]
        let router = self.router.route(path, on(filter, guarded));
        self.router = router;
        self.declared.push(Declared {
            method,
            path: path.to_string(),
            need,
        });
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.declared.extend(other.declared);
        self
    }

    pub fn nest(mut self, prefix: &str, other: Routes) -> Self {
        self.router = self.router.nest(prefix, other.router);
        self.declared
            .extend(other.declared.into_iter().map(|d| Declared {
                path: format!("{prefix}{}", d.path),
                ..d
            }));
        self
    }

    /// Layers and fallbacks, which add no route.
    pub fn map(mut self, f: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Self {
        self.router = f(self.router);
        self
    }

    pub fn declared(&self) -> &[Declared] {
        &self.declared
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// The need of a dashboard path (a page or a server function), matched by axum's pattern;
/// `None` for a path nobody declared.
pub fn app_need(method: &Method, pattern: &str) -> Option<Need> {
    if pattern.starts_with("/_app/") {
        return (method == Method::POST || method == Method::GET)
            .then(|| app::api::need(pattern))
            .flatten();
    }
    app::routes::page_need(pattern)
}

/// The check for Leptos's routes, as a `route_layer` around them: the declared need, and
/// a refusal for anything undeclared. A page refused to a caller without identity
/// redirects to sign-in; other refusals answer in the API's JSON shape, which the server
/// function client reports as an error.
pub async fn app_gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let pattern = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let Some(need) = app_need(req.method(), &pattern) else {
        return crate::mlflow::error::error_response(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            &format!("No permission is declared for {pattern}; it is refused."),
        );
    };
    let actor = req.extensions().get::<Actor>().cloned();
    match state.reg.may_reach(actor.as_ref(), need).await {
        Ok(()) => next.run(req).await,
        Err(Error::Unauthenticated(_) | Error::PermissionDenied(_))
            if !pattern.starts_with("/_app/") && actor.as_ref().is_none_or(Actor::is_anonymous) =>
        {
            let here = req
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string();
            Redirect::to(&app::routes::sign_in_then(&here)).into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
