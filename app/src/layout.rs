//! The frame around every page: the top bar (brand, navigation, the signed-in user's
//! place) and the `<main>` the routes render into.
use crate::routes;
use leptos::prelude::*;
use leptos_router::components::A;

/// One entry of the top navigation.
struct NavItem {
    label: &'static str,
    href: fn() -> String,
}

/// The sections in the top bar, in order. A section is listed once its page exists, so the
/// bar never leads to a 404.
const NAV: &[NavItem] = &[NavItem {
    label: "Models",
    href: routes::models,
}];

/// The top bar and `<main>`, with the page in it.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    // Flips to true only in the browser, once hydration has run: tests and people can tell
    // a live page from a static one.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <header class="topbar">
            <A href=routes::home() attr:class="brand">"Pedigree"</A>
            <nav>
                {NAV.iter().map(|item| view! { <A href=(item.href)()>{item.label}</A> }).collect_view()}
            </nav>
            <UserSlot/>
        </header>
        <main data-hydrated=move || hydrated.get().to_string()>{children()}</main>
    }
}

/// Where the signed-in user and the sign-out link will show. Empty until the dashboard has
/// sessions: every request acts as `anonymous` (see `api::ctx`), and saying so on every
/// page would read like a warning.
#[component]
fn UserSlot() -> impl IntoView {
    view! { <div class="session" data-testid="session"></div> }
}
