//! The dashboard's pages, one folder per aggregate (`models/`, `reviews/`, `session/`,
//! `audit/`, `admin/`; runs and experiments come next, each at its [`crate::routes`]
//! address). A page reads its route params, loads through [`crate::api`] inside a
//! [`crate::components::Loaded`], and renders with [`crate::components`].
pub mod admin;
pub mod audit;
pub mod models;
pub mod reviews;
pub mod session;

use crate::components::set_status;
use leptos::prelude::*;

/// Any path no route matches.
#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <div class="error" data-testid="error">
            <strong>"Not found"</strong>
            <p>"There is no page at this address."</p>
        </div>
    }
}
