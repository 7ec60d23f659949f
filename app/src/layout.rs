//! The frame around every page: the top bar (brand, navigation with the number of reviews
//! waiting for the viewer and, for administrators, the admin page; who is signed in and
//! their role, sign in or out) and the `<main>` the routes render into.
use crate::api::session::who_am_i;
use crate::routes;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use pedigree_core::access::Role;
use pedigree_core::review_view::Identity;

/// Bumped by a page after it changed something the top bar shows (a decided request), so
/// the bar reads the viewer's identity again.
#[derive(Clone, Copy)]
pub struct Refresh(pub RwSignal<u32>);

/// The top bar and `<main>`, with the page in it.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    // Flips to true only in the browser, once hydration has run: tests and people can tell
    // a live page from a static one.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let refresh = RwSignal::new(0u32);
    provide_context(Refresh(refresh));
    crate::live::provide_live();
    // Someone else deciding or opening a request changes what awaits the viewer.
    let reviews = crate::live::live_bumps(|c| c.topic == pedigree_core::live::Topic::Reviews);
    let location = use_location();
    // Read again on every navigation: signing in or deciding a request changes it.
    let me = Resource::new(
        move || (location.pathname.get(), refresh.get(), reviews.get()),
        |_| who_am_i(),
    );
    // One boundary reads `me` for the whole bar: a resource awaited in several Suspense
    // boundaries can leave a server render waiting forever (a race in the framework's
    // SSR), and one read is all the bar needs.
    view! {
        <header class="topbar">
            <A href=routes::home() attr:class="brand">"Pedigree"</A>
            <Transition fallback=|| view! { <Nav identity=None/><div class="session" data-testid="session"></div> }>
                {move || Suspend::new(async move {
                    let identity = me.await.ok();
                    view! { <Nav identity=identity.clone()/><UserSlot identity/> }
                })}
            </Transition>
        </header>
        <main data-hydrated=move || hydrated.get().to_string()>{children()}</main>
    }
}

/// The main navigation, with the count of requests awaiting the viewer and, for an
/// administrator, the way to the admin page (only they may open it).
#[component]
fn Nav(identity: Option<Identity>) -> impl IntoView {
    let awaiting = identity.as_ref().map_or(0, |i| i.awaiting);
    let admin = identity
        .as_ref()
        .is_some_and(|i| i.role == Some(Role::Admin));
    let count = (awaiting > 0).then(|| {
        let label = format!("{awaiting} awaiting you");
        view! {
            " "
            <span class="count" data-testid="awaiting-count" title=label.clone() aria-label=label>
                {awaiting}
            </span>
        }
    });
    view! {
        <nav aria-label="Main">
            <A href=routes::models()>"Models"</A>
            <A href=routes::experiments()>"Experiments"</A>
            <A href=routes::reviews()>"Reviews"{count}</A>
            <A href=routes::audit()>"Audit"</A>
            {admin.then(|| view! { <A href=routes::admin() attr:data-testid="nav-admin">"Admin"</A> })}
        </nav>
    }
}

/// Who is signed in and their registry-wide role, with the sign-out button; or
/// `anonymous` and the sign-in link. Sign-out is a plain form post, so it works before
/// (and without) hydration.
#[component]
fn UserSlot(identity: Option<Identity>) -> impl IntoView {
    let (user, role) = match identity {
        Some(Identity {
            user: Some(user),
            role,
            ..
        }) => (user, role),
        _ => {
            return view! {
                <div class="session" data-testid="session">
                    <span data-testid="session-user">"anonymous"</span>
                    " "
                    <A href=routes::sign_in() attr:data-testid="sign-in-link">"Sign in"</A>
                </div>
            }
            .into_any()
        }
    };
    let role = role.map_or("no role", |r| r.as_str());
    view! {
        <div class="session" data-testid="session">
            <span data-testid="session-user">{user}</span>
            " "
            <span class="badge role" data-testid="session-role">{role}</span>
            <form method="post" action=routes::SIGN_OUT class="inline">
                <button type="submit" data-testid="sign-out">"Sign out"</button>
            </form>
        </div>
    }
    .into_any()
}
