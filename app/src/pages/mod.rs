//! The dashboard's pages, one folder per aggregate (`models/`, `versions/`, `experiments/`,
//! `runs/`, `reviews/`, `audit/`, `admin/`, `session/`), each page at its
//! [`crate::routes`] address. A page reads its route params, loads through [`crate::api`]
//! inside a [`crate::components::Loaded`], and renders with [`crate::components`].
pub mod admin;
pub mod audit;
pub mod experiments;
pub mod models;
pub mod reviews;
pub mod runs;
pub mod session;
pub mod versions;

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
