//! Pedigree's dashboard: the HTML shell, the router, the pages and the server functions
//! they read through. Rendered on the server (feature `ssr`) and hydrated in the browser
//! (feature `hydrate`).
#![forbid(unsafe_code)]

pub mod api;
pub mod components;
pub mod error;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

/// The document around the app, rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="data:,"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Flips to true only in the browser, once hydration has run: tests and people can tell
    // a live page from a static one.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Stylesheet id="pedigree" href="/pkg/pedigree.css"/>
        <Title text="Pedigree"/>
        <Router>
            <header class="topbar">
                <A href="/" attr:class="brand">"Pedigree"</A>
                <nav>
                    <A href="/models">"Models"</A>
                </nav>
            </header>
            <main data-hydrated=move || hydrated.get().to_string()>
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::models::ModelList/>
                    <Route path=path!("/models") view=pages::models::ModelList/>
                    // Async so a missing model can set a 404 status before the head is sent.
                    <Route path=path!("/models/:name") view=pages::models::ModelDetail ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
