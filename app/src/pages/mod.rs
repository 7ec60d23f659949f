//! The dashboard's pages, one folder per aggregate.
pub mod models;

use leptos::prelude::*;

/// Any path no route matches.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <div class="error" data-testid="error">
            <strong>"Not found"</strong>
            <p>"There is no page at this address."</p>
        </div>
    }
}
