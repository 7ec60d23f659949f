//! Pedigree's dashboard: the HTML shell, the router, the pages and the server functions
//! they read through. Rendered on the server (feature `ssr`) and hydrated in the browser
//! (feature `hydrate`).
//!
//! | module | owns |
//! |---|---|
//! | [`routes`] | every URL: the href builders all links use, and segment encoding |
//! | [`layout`] | the frame around every page: top bar, navigation, `<main>` |
//! | [`live`] | live updates: the change feed pages follow to refetch without a reload |
//! | [`pages`] | one folder per aggregate; each page is a route below |
//! | [`components`] | pieces pages share: formatting, badges, tables, links, loading |
//! | [`api`] | the server functions pages read through, at `/_app/...` |
//! | [`error`] | the error pages show, mapped from the domain error once |
#![forbid(unsafe_code)]

pub mod api;
pub mod components;
pub mod error;
pub mod layout;
pub mod live;
pub mod pages;
pub mod routes;

use layout::Shell;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
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

/// The router. Each route's address is built by the matching [`routes`] function.
///
/// Data routes are `SsrMode::Async`: the server waits for their data before it sends the
/// head, so a page that fails can still answer with the right status (a missing model is a
/// 404, not a 200 page saying so).
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="pedigree" href="/pkg/pedigree.css"/>
        <Title text="Pedigree"/>
        <Router>
            <Shell>
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::models::ModelList ssr=SsrMode::Async/>
                    <Route path=path!("/models") view=pages::models::ModelList ssr=SsrMode::Async/>
                    <Route path=path!("/models/:name") view=pages::models::ModelDetail ssr=SsrMode::Async/>
                    <Route path=path!("/models/:name/compare") view=pages::versions::CompareVersions ssr=SsrMode::Async/>
                    <Route path=path!("/models/:name/versions/:version") view=pages::versions::VersionDetail ssr=SsrMode::Async/>
                    <Route path=path!("/experiments") view=pages::experiments::ExperimentList ssr=SsrMode::Async/>
                    <Route path=path!("/experiments/:id") view=pages::experiments::ExperimentDetail ssr=SsrMode::Async/>
                    <Route path=path!("/runs/:id") view=pages::runs::RunDetail ssr=SsrMode::Async/>
                    <Route path=path!("/reviews") view=pages::reviews::ReviewQueue ssr=SsrMode::Async/>
                    <Route path=path!("/reviews/:id") view=pages::reviews::ReviewDetail ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view=pages::admin::Admin ssr=SsrMode::Async/>
                    <Route path=path!("/audit") view=pages::audit::AuditTrail ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in") view=pages::session::SignIn ssr=SsrMode::Async/>
                    <Route path=path!("/account/password") view=pages::session::ChangePassword ssr=SsrMode::Async/>
                </Routes>
            </Shell>
        </Router>
    }
}
