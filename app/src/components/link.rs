//! The dashboard's link: the router's `<A>` for addresses from [`crate::routes`].
use leptos::prelude::*;
use leptos_router::components::A;

/// A link to `href`, which comes from a [`crate::routes`] builder (never a hand-made path).
/// Navigates in the page, except where the router would record a wrong address (see
/// [`crate::routes::needs_full_load`]); those links load from the server instead.
#[component]
pub fn Link(
    href: String,
    /// A CSS class for the `<a>`.
    #[prop(optional)]
    class: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let rel = crate::routes::needs_full_load(&href).then_some("external");
    view! {
        <A href=href attr:class=class attr:rel=rel>
            {children()}
        </A>
    }
}
